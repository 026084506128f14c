"""The PKCS#11 key service against SoftHSM: keys stay in the token, failures become one clear exception."""

from __future__ import annotations

import os
import threading
import time

import pkcs11
import pytest
from django.conf import settings
from pkcs11 import Attribute, KeyType, ObjectClass

from tests.nycklar.conftest import RESERV
from tests.softhsm import pin_for
from vardformedling.nycklar.fel import NyckelEjTillganglig, Orsak
from vardformedling.nycklar.hsm import Pkcs11Nyckeltjanst
from vardformedling.nycklar.tjanst import nyckeltjanst


def test_the_test_suite_runs_the_pkcs11_backend_with_a_token_per_region(_softhsm):
    assert settings.NYCKELTJANST == "pkcs11"
    assert isinstance(nyckeltjanst(), Pkcs11Nyckeltjanst)
    assert len(_softhsm["regioner"]) == 21
    assert sorted(settings.PKCS11_REGIONER) == sorted(_softhsm["regioner"])
    assert {k["token"] for k in settings.PKCS11_REGIONER.values()} == {f"VF-TEST-{rr}" for rr in _softhsm["regioner"]}
    for rr in _softhsm["regioner"]:
        assert nyckeltjanst().status(rr).tillganglig
    print(
        f"\nSoftHSM: {len(_softhsm['regioner']) + 3} tokens initialised in {_softhsm['init_sekunder']:.2f} s, "
        f"keys for 21 regions created in {_softhsm['nyckel_sekunder']:.2f} s"
    )


def test_region_keys_cannot_be_read_out_of_the_token():
    nyckeltjanst().versioner("20")  # the key service's session is logged in, so a second session of ours is too
    token = pkcs11.lib(settings.PKCS11_MODULE).get_token(token_label="VF-TEST-20")
    with token.open() as session:
        nycklar = list(session.get_objects({Attribute.CLASS: ObjectClass.SECRET_KEY}))
        assert {k.label for k in nycklar} == {"vf-20-inslagning-v1", "vf-20-hmac"}
        for nyckel in nycklar:
            assert nyckel[Attribute.SENSITIVE] and not nyckel[Attribute.EXTRACTABLE]
            with pytest.raises(pkcs11.exceptions.AttributeSensitive):
                nyckel[Attribute.VALUE]
        wrapping = next(k for k in nycklar if k.key_type == KeyType.AES)
        assert wrapping[Attribute.WRAP] and wrapping[Attribute.UNWRAP]
        assert not wrapping[Attribute.DECRYPT] and not wrapping[Attribute.ENCRYPT]


def test_a_wrong_pin_makes_the_region_unavailable_and_is_not_retried_at_once(extra_tjanst):
    tjanst = extra_tjanst("pin", pin="fel-pin-1234")
    with pytest.raises(NyckelEjTillganglig) as exc:
        tjanst.wrap(RESERV, os.urandom(32))
    assert exc.value.orsak == Orsak.FEL_PIN
    assert exc.value.meddelande.startswith("Region 02:s nyckeltjänst svarar inte just nu")
    assert "fel-pin-1234" not in str(exc.value) + exc.value.detalj
    # The refusal is remembered: a page unwrapping 50 keys must not lock a real HSM's PIN by trying 50 times.
    anrop = []
    original = tjanst._oppna
    tjanst._oppna = lambda *a: anrop.append(a) or original(*a)
    for _ in range(5):
        with pytest.raises(NyckelEjTillganglig):
            tjanst.keyed_hash(RESERV, b"x")
    assert anrop == []


def test_after_the_retry_pause_a_corrected_pin_works(extra_tjanst, monkeypatch):
    tjanst = extra_tjanst("pin", pin="fel-pin-1234", nytt_forsok_efter=0.05)
    with pytest.raises(NyckelEjTillganglig):
        tjanst.skapa(RESERV)
    monkeypatch.setenv(f"PKCS11_PIN_{RESERV}", pin_for("VF-TEST-PIN"))
    time.sleep(0.1)
    assert tjanst.skapa(RESERV) >= 1


def test_an_absent_token_an_unconfigured_region_and_a_missing_module_are_unavailable(monkeypatch):
    monkeypatch.setenv("PKCS11_PIN_03", "1234")
    fall = {
        Orsak.TOKEN_SAKNAS: {"03": {"modul": settings.PKCS11_MODULE, "token": "FINNS-INTE"}},
        Orsak.EJ_KONFIGURERAD: {},
        Orsak.MODUL_SAKNAS: {"03": {"modul": "/usr/lib/finns-inte/libpkcs11.so", "token": "VF-TEST-03"}},
    }
    for orsak, regioner in fall.items():
        tjanst = Pkcs11Nyckeltjanst(regioner)
        with pytest.raises(NyckelEjTillganglig) as exc:
            tjanst.unwrap("03", b"\x01" + b"03" + b"\x00\x00\x00\x01" + bytes(40))
        assert exc.value.orsak == orsak
        assert exc.value.meddelande.startswith("Region Uppsalas nyckeltjänst svarar inte just nu")


def test_a_token_without_the_region_keys_is_unavailable_until_they_are_created(extra_tjanst):
    tjanst = extra_tjanst("tom")
    with pytest.raises(NyckelEjTillganglig) as exc:
        tjanst.wrap(RESERV, os.urandom(32))  # the HSM backend never creates keys on its own
    assert exc.value.orsak == Orsak.NYCKEL_SAKNAS
    with pytest.raises(NyckelEjTillganglig):
        tjanst.keyed_hash(RESERV, b"x")
    assert tjanst.status(RESERV).tillganglig is False


def test_one_session_per_token_is_reused_and_safe_across_threads():
    tjanst = nyckeltjanst()
    keys = [os.urandom(32) for _ in range(20)]
    wrapped = [tjanst.wrap("01", k) for k in keys]
    sessions_before = dict(tjanst._anslutningar)
    fel, resultat = [], []

    def arbeta():
        try:
            for _ in range(5):
                resultat.append(tjanst.unwrap_many("01", wrapped) == keys)
                resultat.append(tjanst.keyed_hash("01", b"191212121212") == tjanst.keyed_hash("01", b"191212121212"))
        except Exception as exc:
            fel.append(exc)

    trådar = [threading.Thread(target=arbeta) for _ in range(8)]
    for t in trådar:
        t.start()
    for t in trådar:
        t.join(timeout=60)
    assert fel == [] and len(resultat) == 80 and all(resultat)
    assert tjanst._anslutningar.keys() == sessions_before.keys()


def test_a_forked_child_opens_its_own_session():
    tjanst = nyckeltjanst()
    data_key = os.urandom(32)
    wrapped = tjanst.wrap("20", data_key)
    läs, skriv = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: uses the parent's service object, as a Celery prefork child would
        try:
            os.write(skriv, tjanst.unwrap("20", wrapped))
        finally:
            os._exit(0)
    os.close(skriv)
    from_child = os.read(läs, 64)
    os.close(läs)
    os.waitpid(pid, 0)
    assert from_child == data_key
    assert tjanst.unwrap("20", wrapped) == data_key  # the parent's session still works
