"""Fixtures for the key-service tests: each backend, and PKCS#11 services on the session's spare tokens."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.conftest import EXTRA_TOKENS
from tests.softhsm import pin_for
from vardformedling.nycklar.hsm import Pkcs11Nyckeltjanst
from vardformedling.nycklar.lokal import LokalNyckeltjanst
from vardformedling.nycklar.tjanst import nyckeltjanst

# A region code no region has, for the spare tokens (its name in messages is "Region 02").
RESERV = "02"


@pytest.fixture
def lokal(tmp_path):
    return LokalNyckeltjanst(tmp_path / "nycklar")


@pytest.fixture
def extra_tjanst(monkeypatch):
    """`extra_tjanst("rotera"|"pin"|"tom", pin=None)` → a PKCS#11 key service whose region 02 is that spare token
    (closed again after the test, so the next one logs in afresh)."""
    skapade = []

    def _tjanst(namn: str, *, pin: str | None = None, **kwargs) -> Pkcs11Nyckeltjanst:
        label = EXTRA_TOKENS[namn]
        monkeypatch.setenv(f"PKCS11_PIN_{RESERV}", pin or pin_for(label))
        tjanst = Pkcs11Nyckeltjanst({RESERV: {"modul": settings.PKCS11_MODULE, "token": label}}, **kwargs)
        skapade.append(tjanst)
        return tjanst

    yield _tjanst
    for tjanst in skapade:
        tjanst.aterstall()


@pytest.fixture(params=["lokal", "pkcs11"])
def tjanst(request, tmp_path):
    """Each backend: a fresh local key folder, or the session's SoftHSM tokens (one per region)."""
    if request.param == "lokal":
        return LokalNyckeltjanst(tmp_path / "nycklar")
    assert settings.NYCKELTJANST == "pkcs11", "the test settings run the PKCS#11 backend"
    return nyckeltjanst()


@pytest.fixture(params=["lokal", "pkcs11"])
def roterbar(request, tmp_path, extra_tjanst):
    """(backend, region) where rotation disturbs no other test: a fresh folder, or the spare rotation token."""
    if request.param == "lokal":
        return LokalNyckeltjanst(tmp_path / "nycklar"), "20"
    tjanst = extra_tjanst("rotera")
    tjanst.skapa(RESERV)
    return tjanst, RESERV
