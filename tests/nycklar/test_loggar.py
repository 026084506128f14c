"""No key material, PIN or plaintext identity in log output or in the exceptions' messages."""

from __future__ import annotations

import base64
import logging
import os

import pytest

from tests.nycklar.conftest import RESERV
from vardformedling.nycklar import falt, kuvert
from vardformedling.nycklar.enhetsnycklar import nytt_nyckelpar
from vardformedling.nycklar.fel import KryptoFel
from vardformedling.nycklar.lokal import LokalNyckeltjanst
from vardformedling.nycklar.tjanst import nyckeltjanst


def _forms(secret: bytes) -> list[str]:
    return [secret.hex(), secret.hex().upper(), base64.b64encode(secret).decode(), repr(secret)[2:-1]]


def test_nothing_secret_reaches_the_log(caplog, tmp_path, extra_tjanst):
    caplog.set_level(logging.DEBUG)
    hemligt: list[str] = ["fel-pin-9876", "191212121212", "Tolvan Tolvansson"]
    meddelanden: list[str] = []

    data_key = os.urandom(32)
    lokal = LokalNyckeltjanst(tmp_path / "nycklar")
    for tjanst in (lokal, nyckeltjanst()):
        wrapped = tjanst.wrap("20", data_key)
        tjanst.unwrap("20", wrapped)
        tjanst.keyed_hash("20", b"191212121212")
        forseglat = falt.forsegla_dokument(
            "20", {"personnummer": "191212121212", "namn": "Tolvan Tolvansson"}, aad=b"a", tjanst=tjanst
        )
        with pytest.raises(KryptoFel) as exc:
            falt.oppna_dokument("20", forseglat, aad=b"b", tjanst=tjanst)
        meddelanden.append(str(exc.value))
    lokal.rotate("20")
    for fil in (tmp_path / "nycklar" / "regioner" / "20").iterdir():
        hemligt += _forms(fil.read_bytes())
    hemligt += _forms(data_key)

    fel_pin = extra_tjanst("pin", pin="fel-pin-9876")
    with pytest.raises(KryptoFel) as exc:
        fel_pin.unwrap(RESERV, wrapped[:1] + RESERV.encode() + wrapped[3:])
    meddelanden += [str(exc.value), exc.value.detalj]
    (tmp_path / "nycklar" / "regioner" / "20" / "inslagning-v2.nyckel").chmod(0o644)
    with pytest.raises(KryptoFel) as exc:
        lokal.wrap("20", data_key)
    meddelanden += [str(exc.value), exc.value.detalj]

    a, b = nytt_nyckelpar("SE2321000180-A1"), nytt_nyckelpar("SE5560000001-B1")
    hemligt += _forms(a._raw()) + _forms(b._raw())
    envelope = kuvert.forsegla(
        {"namn": "Tolvan Tolvansson"},
        {},
        avsandare=a.hsa_id,
        mottagare_publik=b.publik(),
        avsandare_signeringsnyckel=a,
        metadata={"arende_id": "VF-2026-20-000123-4"},
    )
    with pytest.raises(KryptoFel) as exc:
        kuvert.oppna(envelope, mottagare_privat=a, avsandare_publik=a.publik())
    meddelanden.append(str(exc.value))

    assert any("fel_pin" in r.getMessage() for r in caplog.records)  # the failures were logged…
    text = caplog.text + "\n".join(meddelanden)
    for secret in hemligt:
        assert secret not in text  # …without anything secret
