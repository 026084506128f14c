"""Care units' key pairs: created once, public keys as text, private keys never in clear in the database."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from vardformedling.models import Enhetsnyckel
from vardformedling.nycklar import enhetsnycklar, kuvert, omslag
from vardformedling.nycklar.fel import EnhetsnyckelSaknas, NyckelEjTillganglig
from vardformedling.nycklar.tjanst import nyckelversion

HSA = "SE5560000001-MO01"


@pytest.fixture(params=["lokal", "pkcs11"])
def lage(request, settings, tmp_path):
    """Each storage mode; the lokal one in a fresh key folder."""
    if request.param == "lokal":
        settings.NYCKELTJANST = "lokal"
        settings.VF_NYCKLAR_DIR = tmp_path / "nycklar"
    return request.param


def _raw_private(nycklar) -> list[bytes]:
    return [nycklar._raw()[:32], nycklar._raw()[32:]]


@pytest.mark.django_db
def test_a_unit_gets_its_key_pairs_once_and_they_work_end_to_end(lage):
    publik = enhetsnycklar.skapa(HSA, "03")
    assert enhetsnycklar.skapa(HSA, "03").kryptering_text == publik.kryptering_text  # once: later calls return it
    assert enhetsnycklar.publik(HSA).kryptering_text == publik.kryptering_text
    privat = enhetsnycklar.privat(HSA, "03")
    assert privat.publik().signering_text == publik.signering_text
    sender = enhetsnycklar.nytt_nyckelpar("SE2321000180-VL01")
    envelope = kuvert.forsegla(
        {"namn": "Tolvan"},
        {},
        avsandare=sender.hsa_id,
        mottagare_publik=enhetsnycklar.publik(HSA),
        avsandare_signeringsnyckel=sender,
        metadata={"arende_id": "VF-2026-20-000123-4"},
    )
    assert kuvert.oppna(envelope, mottagare_privat=privat, avsandare_publik=sender.publik())[1] == {"namn": "Tolvan"}


@pytest.mark.django_db
def test_private_keys_are_never_in_clear_in_the_database(lage):
    enhetsnycklar.skapa(HSA, "03")
    rad = Enhetsnyckel.objects.get(hsa_id=HSA)
    private = _raw_private(enhetsnycklar.privat(HSA, "03"))
    stored = b"".join(bytes(v or b"") for v in (rad.privat_chiffer, rad.privat_inslagen_nyckel))
    stored += (rad.kryptering_publik + rad.signering_publik).encode()
    for raw in private:
        assert raw not in stored and base64.b64encode(raw) not in stored
    if lage == "pkcs11":
        assert rad.privat_chiffer and nyckelversion(bytes(rad.privat_inslagen_nyckel)) == rad.nyckelversion
    else:
        assert rad.privat_chiffer is None
        fil = enhetsnycklar._lokal_fil(HSA)
        assert stat.S_IMODE(os.stat(fil).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(fil.parent).st_mode) == 0o700


@pytest.mark.django_db
def test_a_unit_without_keys_and_a_wrong_region_are_refused(lage):
    with pytest.raises(EnhetsnyckelSaknas) as exc:
        enhetsnycklar.privat(HSA, "03")
    assert f"Vårdenheten {HSA} har inga krypteringsnycklar" in exc.value.meddelande
    with pytest.raises(EnhetsnyckelSaknas):
        enhetsnycklar.publik(HSA)
    enhetsnycklar.skapa(HSA, "03")
    with pytest.raises(ValueError):
        enhetsnycklar.privat(HSA, "20")
    with pytest.raises(ValueError):
        enhetsnycklar.skapa("../../etc/passwd", "03")


@pytest.mark.django_db
def test_in_pkcs11_mode_the_private_key_needs_the_region_hsm(settings):
    enhetsnycklar.skapa(HSA, "03")
    settings.PKCS11_REGIONER = {**settings.PKCS11_REGIONER, "03": {"modul": settings.PKCS11_MODULE, "token": "BORTA"}}
    with pytest.raises(NyckelEjTillganglig) as exc:
        enhetsnycklar.privat(HSA, "03")
    assert exc.value.meddelande.startswith("Region Uppsalas nyckeltjänst svarar inte just nu")
    assert enhetsnycklar.publik(HSA).hsa_id == HSA  # public keys need no HSM


@pytest.mark.django_db
def test_rotating_the_region_key_rewraps_the_units_private_keys(extra_tjanst, monkeypatch):
    from tests.nycklar.conftest import RESERV

    tjanst = extra_tjanst("rotera")
    tjanst.skapa(RESERV)
    monkeypatch.setattr("vardformedling.nycklar.enhetsnycklar.nyckeltjanst", lambda: tjanst)
    enhetsnycklar.skapa(HSA, RESERV)
    before = Enhetsnyckel.objects.get(hsa_id=HSA)
    private_before = enhetsnycklar.privat(HSA, RESERV)

    version, resultat = omslag.rotera(RESERV, tjanst=tjanst)

    after = Enhetsnyckel.objects.get(hsa_id=HSA)
    assert resultat["vardformedling.enhetsnycklar"] == 1
    assert after.nyckelversion == version == nyckelversion(bytes(after.privat_inslagen_nyckel))
    assert bytes(after.privat_chiffer) == bytes(before.privat_chiffer)  # the data itself is not re-encrypted
    assert enhetsnycklar.privat(HSA, RESERV).publik().kryptering_text == private_before.publik().kryptering_text
    assert omslag.omsla(RESERV, tjanst=tjanst)["vardformedling.enhetsnycklar"] == 0  # nothing left to do


def test_public_keys_round_trip_as_text_with_a_fingerprint():
    nycklar = enhetsnycklar.nytt_nyckelpar(HSA).publik()
    text = nycklar.kryptering_text
    assert text.startswith("x25519:") and len(text) == len("x25519:") + 44
    again = enhetsnycklar.PublikaNycklar.fran_text(HSA, nycklar.kryptering_text, nycklar.signering_text)
    assert again.kryptering_fingeravtryck == nycklar.kryptering_fingeravtryck
    assert nycklar.kryptering_fingeravtryck.startswith("SHA256:") and len(nycklar.kryptering_fingeravtryck) == 71
    assert nycklar.kryptering_fingeravtryck != nycklar.signering_fingeravtryck
    with pytest.raises(ValueError, match="ed25519"):
        enhetsnycklar.nyckel_fran_text(nycklar.kryptering_text, typ="ed25519")
    with pytest.raises(ValueError):
        enhetsnycklar.nyckel_fran_text("x25519:inte-base64!", typ="x25519")
    privat = enhetsnycklar.nytt_nyckelpar(HSA)
    assert isinstance(privat.kryptering, X25519PrivateKey)
    assert repr(privat) == f"PrivataNycklar(hsa_id='{HSA}')"  # no key in a repr, so none in a log
