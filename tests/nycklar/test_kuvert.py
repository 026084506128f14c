"""End-to-end envelopes and signed receipts between units."""

from __future__ import annotations

import json

import pytest

from vardformedling.nycklar import kuvert
from vardformedling.nycklar.enhetsnycklar import nytt_nyckelpar
from vardformedling.nycklar.fel import (
    KuvertFelAvsandare,
    KuvertFelMottagare,
    KuvertManipulerat,
    KvittoAnnatKuvert,
    KvittoOgiltigt,
)

CASE_ID = "VF-2026-20-000123-4"
PAYLOAD = {"personnummer": "191212121212", "namn": "Tolvan Tolvansson", "remisstext": "Katarakt höger öga."}
DOCS = {"remiss.pdf": b"%PDF-1.7 remiss", "journal utdrag.txt": "Anamnes: …".encode()}


@pytest.fixture
def units():
    return nytt_nyckelpar("SE2321000180-1AB2"), nytt_nyckelpar("SE5560000001-MO1"), nytt_nyckelpar("SE5560000002-X9")


def _seal(avsandare, mottagare, **kw):
    return kuvert.forsegla(
        kw.pop("payload", PAYLOAD),
        kw.pop("docs", DOCS),
        avsandare=avsandare.hsa_id,
        mottagare_publik=mottagare.publik(),
        avsandare_signeringsnyckel=avsandare,
        metadata={"arende_id": CASE_ID, "kva_grupp": "CJE"},
    )


def test_the_receiver_opens_what_the_sender_sealed(units):
    sender, receiver, _ = units
    envelope = _seal(sender, receiver)
    metadata, payload, docs = kuvert.oppna(envelope, mottagare_privat=receiver, avsandare_publik=sender.publik())
    assert payload == PAYLOAD and docs == DOCS
    assert metadata["arende_id"] == CASE_ID and metadata["kva_grupp"] == "CJE"
    assert metadata["avsandare"] == sender.hsa_id and metadata["mottagare"] == receiver.hsa_id
    assert [d["namn"] for d in metadata["dokument"]] == list(DOCS)


def test_routing_metadata_is_readable_and_the_payload_is_not(units):
    sender, receiver, _ = units
    envelope = _seal(sender, receiver)
    metadata = kuvert.las_metadata(envelope)
    assert metadata["arende_id"] == CASE_ID and metadata["mottagare"] == receiver.hsa_id
    assert {d["namn"] for d in metadata["dokument"]} == set(DOCS)
    for secret in ("191212121212", "Tolvan", "Katarakt", "%PDF", "Anamnes"):
        assert secret.encode() not in envelope


def test_every_flipped_bit_in_an_envelope_is_refused(units):
    sender, receiver, _ = units
    envelope = _seal(sender, receiver, payload={"p": 1}, docs={"a.txt": b"x"})
    for bit in range(len(envelope) * 8):
        damaged = bytearray(envelope)
        damaged[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(KuvertManipulerat):
            kuvert.oppna(bytes(damaged), mottagare_privat=receiver, avsandare_publik=sender.publik())


def test_a_second_unit_cannot_open_an_envelope_for_the_first(units):
    sender, receiver, other = units
    envelope = _seal(sender, receiver)
    with pytest.raises(KuvertFelMottagare) as exc:
        kuvert.oppna(envelope, mottagare_privat=other, avsandare_publik=sender.publik())
    assert exc.value.meddelande == "Remissen är krypterad till en annan vårdenhet och kan inte öppnas här."
    # Even relabelled as its own (and so unsigned), the other unit's key does not decrypt it.
    forged = json.loads(envelope)
    forged["metadata"]["mottagare"] = other.hsa_id
    with pytest.raises(KuvertManipulerat):
        kuvert.oppna(json.dumps(forged).encode(), mottagare_privat=other, avsandare_publik=sender.publik())


def test_an_envelope_from_another_sender_is_refused(units):
    sender, receiver, other = units
    envelope = _seal(other, receiver)
    with pytest.raises(KuvertFelAvsandare):
        kuvert.oppna(envelope, mottagare_privat=receiver, avsandare_publik=sender.publik())


def test_a_resigned_envelope_with_a_replaced_document_is_refused(units):
    sender, receiver, _ = units
    envelope = json.loads(_seal(sender, receiver))
    envelope["metadata"]["dokument"][0]["sha256"] = "0" * 64
    signed = {k: envelope[k] for k in ("format", "metadata", "chiffer")}
    envelope["signatur"] = kuvert._b64(sender.signering.sign(kuvert._kanonisk(signed)))
    with pytest.raises(KuvertManipulerat):  # the metadata is bound into the encryption too
        kuvert.oppna(json.dumps(envelope).encode(), mottagare_privat=receiver, avsandare_publik=sender.publik())


def test_metadata_may_not_override_what_the_envelope_writes(units):
    sender, receiver, _ = units
    for metadata in ({}, {"arende_id": CASE_ID, "mottagare": "x"}, {"arende_id": CASE_ID, "lista": [1]}):
        with pytest.raises(ValueError):
            kuvert.forsegla(
                PAYLOAD,
                {},
                avsandare=sender.hsa_id,
                mottagare_publik=receiver.publik(),
                avsandare_signeringsnyckel=sender,
                metadata=metadata,
            )
    with pytest.raises(ValueError):
        _seal(sender, receiver, docs={"../etc/passwd": b"x"})
    with pytest.raises(ValueError, match="Signeringsnyckeln hör till"):
        kuvert.forsegla(
            PAYLOAD,
            {},
            avsandare="SE2321000180-ANNAN",
            mottagare_publik=receiver.publik(),
            avsandare_signeringsnyckel=sender,
            metadata={"arende_id": CASE_ID},
        )


def test_a_receipt_verifies_against_the_receiver_and_the_envelope(units):
    sender, receiver, _ = units
    envelope = _seal(sender, receiver)
    receipt = kuvert.kvittera(kuvert.kuvert_hash(envelope), mottagare_signeringsnyckel=receiver, arende_id=CASE_ID)
    content = kuvert.verifiera_kvitto(
        receipt, mottagare_publik=receiver.publik(), kuvert_hash=kuvert.kuvert_hash(envelope)
    )
    assert content["status"] == "mottagen" and content["arende_id"] == CASE_ID
    assert content["mottagare"] == receiver.hsa_id


def test_a_receipt_signed_with_the_wrong_key_is_refused(units):
    sender, receiver, other = units
    envelope = _seal(sender, receiver)
    forged = kuvert.kvittera(kuvert.kuvert_hash(envelope), mottagare_signeringsnyckel=other, arende_id=CASE_ID)
    with pytest.raises(KvittoOgiltigt) as exc:
        kuvert.verifiera_kvitto(forged, mottagare_publik=receiver.publik(), kuvert_hash=kuvert.kuvert_hash(envelope))
    assert "inte signerad av den mottagande enheten" in exc.value.meddelande
    # The sender cannot write the receiver's receipt either.
    by_sender = kuvert.kvittera(kuvert.kuvert_hash(envelope), mottagare_signeringsnyckel=sender, arende_id=CASE_ID)
    with pytest.raises(KvittoOgiltigt):
        kuvert.verifiera_kvitto(by_sender, mottagare_publik=receiver.publik(), kuvert_hash=kuvert.kuvert_hash(envelope))


def test_an_altered_receipt_or_one_for_another_envelope_is_refused(units):
    sender, receiver, _ = units
    envelope, other_envelope = _seal(sender, receiver), _seal(sender, receiver)
    receipt = kuvert.kvittera(kuvert.kuvert_hash(envelope), mottagare_signeringsnyckel=receiver, arende_id=CASE_ID)
    with pytest.raises(KvittoAnnatKuvert):
        kuvert.verifiera_kvitto(
            receipt, mottagare_publik=receiver.publik(), kuvert_hash=kuvert.kuvert_hash(other_envelope)
        )
    altered = receipt.replace(b'"mottagen"', b'"avvisad"')
    assert altered != receipt
    with pytest.raises(KvittoOgiltigt):
        kuvert.verifiera_kvitto(altered, mottagare_publik=receiver.publik(), kuvert_hash=kuvert.kuvert_hash(envelope))
    with pytest.raises(KvittoOgiltigt):
        kuvert.verifiera_kvitto(b"not json", mottagare_publik=receiver.publik(), kuvert_hash="0" * 64)
