"""`manage.py nycklar`: status, create, rotate with the apps' re-wrap hooks, unit key pairs."""

from __future__ import annotations

import os

import pytest
from django.core.management import CommandError, call_command

from vardformedling.nycklar import omslag
from vardformedling.nycklar.lokal import LokalNyckeltjanst


@pytest.fixture
def lokal_settings(settings, tmp_path):
    settings.NYCKELTJANST = "lokal"
    settings.VF_NYCKLAR_DIR = tmp_path / "nycklar"
    return settings


def _run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("nycklar", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_status_lists_every_region_of_the_pkcs11_backend_without_key_material():
    out = _run("--status")
    assert out.startswith("Nyckeltjänst: pkcs11")
    assert out.count("tillgänglig, versioner") == 21
    assert "20: tillgänglig" in out and "PIN" not in out


@pytest.mark.django_db
def test_create_then_rotate_calls_the_registered_hooks(lokal_settings):
    assert "Region 20: nycklar finns, inslagningsnyckel version 1 (lokal)." in _run("--skapa", "20")
    tjanst = LokalNyckeltjanst(lokal_settings.VF_NYCKLAR_DIR)
    data_key = os.urandom(32)
    lagrat = {"blob": tjanst.wrap("20", data_key)}  # an app's stored wrapped key

    def app_hook(o: omslag.Omslag) -> int:
        if not o.behover(lagrat["blob"]):
            return 0
        lagrat["blob"] = o.rewrap(lagrat["blob"])
        return 1

    omslag.registrera("testapp.identitet", app_hook)
    try:
        out = _run("--rotera", "20")
        assert "Region 20: ny inslagningsnyckel version 2." in out
        assert "Region 20: testapp.identitet: 1 nycklar omslagna." in out
        assert tjanst.unwrap("20", lagrat["blob"]) == data_key
        assert lagrat["blob"][3:7] == (2).to_bytes(4, "big")
        assert "testapp.identitet: 0 nycklar omslagna." in _run("--omsla", "20")
    finally:
        omslag.avregistrera("testapp.identitet")


@pytest.mark.django_db
def test_create_a_unit_key_pair_prints_its_public_keys(lokal_settings):
    out = _run("--skapa-enhet", "SE5560000001-MO01", "--region", "03")
    assert "kryptering x25519:" in out and "signering  ed25519:" in out and out.count("SHA256:") == 2


@pytest.mark.django_db
def test_an_unavailable_region_and_bad_input_fail_with_a_swedish_message(settings):
    settings.PKCS11_REGIONER = {}
    with pytest.raises(CommandError, match=r"Region Dalarnas nyckeltjänst svarar inte just nu.*ej_konfigurerad"):
        _run("--rotera", "20")
    with pytest.raises(CommandError, match="två siffror"):
        _run("--skapa", "2x")
    with pytest.raises(CommandError, match="--region"):
        _run("--skapa-enhet", "SE5560000001-MO01")
