"""Field encryption: AES-256-GCM with the case as associated data, and sealed identity documents."""

from __future__ import annotations

import os

import pytest

from vardformedling.nycklar import falt
from vardformedling.nycklar.fel import DekrypteringMisslyckades, OgiltigInslagning
from vardformedling.nycklar.tjanst import nyckelversion

CASE = falt.aad_for("arende", "VF-2026-20-000123-4")
OTHER_CASE = falt.aad_for("arende", "VF-2026-20-000124-2")
IDENTITET = {
    "personnummer": "191212121212",
    "namn": "Tolvan Tolvansson",
    "adress": "Storgatan 1",
    "telefon": "070-1234567",
    "epost": "tolvan@example.se",
    "anteckningar": "Behöver tolk (arabiska).",
}


def test_encrypt_then_decrypt_gives_the_plaintext_and_hides_it():
    key = falt.ny_datanyckel()
    ciphertext = falt.encrypt(key, b"191212121212", aad=CASE)
    assert b"191212121212" not in ciphertext
    assert ciphertext[:1] == b"\x01" and len(ciphertext) == 1 + 12 + 12 + 16
    assert falt.decrypt(key, ciphertext, aad=CASE) == b"191212121212"
    assert falt.encrypt(key, b"191212121212", aad=CASE) != ciphertext  # a fresh nonce every time


@pytest.mark.parametrize("position", [0, 1, 5, 13, 20, -1])
def test_a_flipped_bit_anywhere_is_refused(position):
    key = falt.ny_datanyckel()
    ciphertext = bytearray(falt.encrypt(key, b"Tolvan Tolvansson", aad=CASE))
    ciphertext[position] ^= 0x01
    with pytest.raises(DekrypteringMisslyckades) as exc:
        falt.decrypt(key, bytes(ciphertext), aad=CASE)
    assert "har ändrats eller hör inte till det här ärendet" in exc.value.meddelande


def test_another_case_id_as_associated_data_is_refused():
    key = falt.ny_datanyckel()
    ciphertext = falt.encrypt(key, b"Tolvan", aad=CASE)
    with pytest.raises(DekrypteringMisslyckades):
        falt.decrypt(key, ciphertext, aad=OTHER_CASE)


def test_the_wrong_key_and_a_truncated_ciphertext_are_refused():
    ciphertext = falt.encrypt(falt.ny_datanyckel(), b"Tolvan", aad=CASE)
    with pytest.raises(DekrypteringMisslyckades):
        falt.decrypt(falt.ny_datanyckel(), ciphertext, aad=CASE)
    with pytest.raises(DekrypteringMisslyckades):
        falt.decrypt(falt.ny_datanyckel(), ciphertext[:20], aad=CASE)


def test_a_sealed_identity_opens_for_its_case_only(tjanst):
    forseglat = falt.forsegla_dokument("20", IDENTITET, aad=CASE, tjanst=tjanst)
    for del_ in (forseglat.chiffertext, forseglat.inslagen_nyckel):
        for varde in IDENTITET.values():
            assert varde.encode() not in del_
    assert forseglat.nyckelversion == nyckelversion(forseglat.inslagen_nyckel) >= 1
    assert falt.oppna_dokument("20", forseglat, aad=CASE, tjanst=tjanst) == IDENTITET
    with pytest.raises(DekrypteringMisslyckades):
        falt.oppna_dokument("20", forseglat, aad=OTHER_CASE, tjanst=tjanst)


def test_swapping_wrapped_keys_between_cases_is_refused(tjanst):
    a = falt.forsegla_dokument("20", IDENTITET, aad=CASE, tjanst=tjanst)
    b = falt.forsegla_dokument("20", {**IDENTITET, "namn": "Annan"}, aad=OTHER_CASE, tjanst=tjanst)
    blandat = falt.Forseglat(a.chiffertext, b.inslagen_nyckel, b.nyckelversion)
    with pytest.raises(DekrypteringMisslyckades):
        falt.oppna_dokument("20", blandat, aad=CASE, tjanst=tjanst)
    with pytest.raises(OgiltigInslagning):
        falt.oppna_dokument("06", a, aad=CASE, tjanst=tjanst)  # under another region's key


def test_a_page_opens_fifty_identities_in_one_round(tjanst):
    forseglade = [
        (falt.forsegla_dokument("20", {**IDENTITET, "namn": f"Patient {i}"}, aad=CASE, tjanst=tjanst), CASE)
        for i in range(50)
    ]
    dokument = falt.oppna_dokument_flera("20", forseglade, tjanst=tjanst)
    assert [d["namn"] for d in dokument] == [f"Patient {i}" for i in range(50)]


def test_crypto_shredding_leaves_nothing_to_open(tjanst):
    forseglat = falt.forsegla_dokument("20", IDENTITET, aad=CASE, tjanst=tjanst)
    # Retention deletes the wrapped data key; the ciphertext alone opens under no key the portal can get.
    for gissning in (falt.ny_datanyckel(), bytes(32)):
        with pytest.raises(DekrypteringMisslyckades):
            falt.decrypt(gissning, forseglat.chiffertext, aad=CASE)


def test_documents_must_be_small_json_objects():
    with pytest.raises(TypeError):
        falt.forsegla_dokument("20", ["not", "a", "dict"], aad=CASE)
    with pytest.raises(ValueError):
        falt.forsegla_dokument("20", {"anteckningar": "x" * (70 * 1024)}, aad=CASE)
    with pytest.raises(ValueError):
        falt.encrypt(os.urandom(16), b"x", aad=CASE)
