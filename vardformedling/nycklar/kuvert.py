"""End-to-end referral envelopes and signed receipts between care units.

An envelope is a UTF-8 JSON document:

    {"format": "vardformedling-kuvert/1",
     "metadata": {"arende_id", "avsandare", "mottagare", "avsandarnyckel", "mottagarnyckel", "kuvert_id",
                  "skapad", "dokument": [{"namn", "sha256", "storlek"}], …the caller's own routing fields},
     "chiffer": base64(HPKE ciphertext),
     "signatur": base64(Ed25519 signature)}

The metadata is readable for routing (`las_metadata`, unverified) and holds no patient data: callers put
only routing fields in it (case ID, units, document names). The payload and the documents are encrypted to the
receiving unit's X25519 key with HPKE (RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, from
`cryptography`); the metadata is bound into the HPKE context, and the sending unit signs the canonical JSON of
format, metadata and ciphertext with Ed25519. `oppna` checks the sender, the signature, the receiver, decrypts,
and checks every document against its SHA-256 in the metadata; any failure raises its own `KuvertFel` subclass
with a Swedish message and nothing is returned.

A receipt (`kvittera`) is the receiving unit's Ed25519 signature over the envelope's SHA-256 (`kuvert_hash`),
the case ID, the receiving unit and the time; `verifiera_kvitto` checks it against the receiver's public key and
the hash of the envelope that was sent.

Transport is not here: an envelope is bytes that any transport (the file outbox, an SDK access point) carries.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from vardformedling.nycklar.enhetsnycklar import PrivataNycklar, PublikaNycklar, fingeravtryck
from vardformedling.nycklar.fel import (
    KuvertFelAvsandare,
    KuvertFelMottagare,
    KuvertManipulerat,
    KvittoAnnatKuvert,
    KvittoOgiltigt,
)

KUVERT_FORMAT = "vardformedling-kuvert/1"
KVITTO_FORMAT = "vardformedling-kvitto/1"
_SUITE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
_RESERVERADE = {"avsandare", "mottagare", "avsandarnyckel", "mottagarnyckel", "kuvert_id", "skapad", "dokument"}
_DOKUMENTNAMN = re.compile(r"[^/\\\x00-\x1f\x7f]{1,200}")
_LANGD = struct.Struct(">I")


def _kanonisk(data: Any) -> bytes:
    """The one byte form that is signed: sorted keys, no spaces, ASCII escapes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def _utan_dubbletter(par: list[tuple[str, Any]]) -> dict:
    nycklar = [k for k, _ in par]
    if len(nycklar) != len(set(nycklar)):
        raise ValueError("dubblett")
    return dict(par)


def _las_json(data: bytes, fel: type[Exception]) -> dict:
    try:
        dokument = json.loads(bytes(data).decode("utf-8"), object_pairs_hook=_utan_dubbletter)
    except (UnicodeDecodeError, ValueError, TypeError):
        raise fel from None
    if not isinstance(dokument, dict):
        raise fel
    return dokument


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _fran_b64(text: Any, fel: type[Exception]) -> bytes:
    if not isinstance(text, str):
        raise fel
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise fel from None
    if _b64(data) != text:  # base64 ignores a final character's spare bits: no second spelling of the same bytes
        raise fel
    return data


def _info(metadata: Mapping[str, Any]) -> bytes:
    return KUVERT_FORMAT.encode() + b"\x00" + _kanonisk(metadata)


def kuvert_hash(kuvert: bytes) -> str:
    """The envelope's SHA-256 (hex): what a receipt acknowledges."""
    return sha256(bytes(kuvert)).hexdigest()


def forsegla(
    payload: Mapping[str, Any],
    dokument: Mapping[str, bytes],
    *,
    avsandare: str,
    mottagare_publik: PublikaNycklar,
    avsandare_signeringsnyckel: PrivataNycklar | Ed25519PrivateKey,
    metadata: Mapping[str, Any],
) -> bytes:
    """A signed envelope from unit `avsandare` (HSA-id) to the unit of `mottagare_publik`, with `payload` (JSON)
    and `dokument` ({name: bytes}) encrypted to it. `metadata` must hold `arende_id` and may add routing fields
    (strings, numbers, booleans); it may not set the fields this function writes (see the module docstring)."""
    if not isinstance(metadata, Mapping) or not metadata.get("arende_id"):
        raise ValueError("metadata måste innehålla arende_id.")
    if krock := _RESERVERADE & set(metadata):
        raise ValueError(f"metadata får inte sätta {', '.join(sorted(krock))}.")
    if any(not isinstance(v, str | int | float | bool | type(None)) for v in metadata.values()):
        raise ValueError("metadata får bara innehålla enkla värden (text, tal, sant/falskt).")
    for namn, innehall in dokument.items():
        if not isinstance(namn, str) or not _DOKUMENTNAMN.fullmatch(namn) or namn in {".", ".."}:
            raise ValueError(f"Ogiltigt dokumentnamn: {namn!r}.")
        if not isinstance(innehall, bytes | bytearray):
            raise TypeError(f"Dokumentet {namn!r} måste vara bytes.")
    if isinstance(avsandare_signeringsnyckel, PrivataNycklar):
        if avsandare_signeringsnyckel.hsa_id != avsandare:
            raise ValueError(f"Signeringsnyckeln hör till {avsandare_signeringsnyckel.hsa_id}, inte {avsandare}.")
        signeringsnyckel = avsandare_signeringsnyckel.signering
    else:
        signeringsnyckel = avsandare_signeringsnyckel
    namnordning = list(dokument)
    fullstandig = {
        **metadata,
        "avsandare": avsandare,
        "mottagare": mottagare_publik.hsa_id,
        "avsandarnyckel": fingeravtryck(signeringsnyckel.public_key()),
        "mottagarnyckel": mottagare_publik.kryptering_fingeravtryck,
        "kuvert_id": str(uuid.uuid4()),
        "skapad": datetime.now(UTC).isoformat(timespec="seconds"),
        "dokument": [
            {"namn": n, "sha256": sha256(dokument[n]).hexdigest(), "storlek": len(dokument[n])} for n in namnordning
        ],
    }
    inre = _kanonisk({"payload": payload, "dokument": namnordning})
    klartext = _LANGD.pack(len(inre)) + inre + b"".join(bytes(dokument[n]) for n in namnordning)
    chiffer = _SUITE.encrypt(klartext, mottagare_publik.kryptering, info=_info(fullstandig))
    signerat = {"format": KUVERT_FORMAT, "metadata": fullstandig, "chiffer": _b64(chiffer)}
    signatur = signeringsnyckel.sign(_kanonisk(signerat))
    return json.dumps({**signerat, "signatur": _b64(signatur)}, ensure_ascii=False, indent=1).encode()


def las_metadata(kuvert: bytes) -> dict[str, Any]:
    """The envelope's metadata for routing, NOT verified (anyone could have written it): `oppna` verifies."""
    yttre = _las_json(kuvert, KuvertManipulerat)
    if yttre.get("format") != KUVERT_FORMAT or not isinstance(yttre.get("metadata"), dict):
        raise KuvertManipulerat
    return yttre["metadata"]


def oppna(
    kuvert: bytes, *, mottagare_privat: PrivataNycklar, avsandare_publik: PublikaNycklar
) -> tuple[dict[str, Any], Any, dict[str, bytes]]:
    """(metadata, payload, documents) of an envelope to `mottagare_privat`'s unit from `avsandare_publik`'s unit.

    Raises `KuvertManipulerat` (unreadable, bad signature, a document not matching its hash),
    `KuvertFelAvsandare` (the envelope names another sender or sender key), `KuvertFelMottagare` (encrypted to
    another unit or key)."""
    yttre = _las_json(kuvert, KuvertManipulerat)
    if set(yttre) != {"format", "metadata", "chiffer", "signatur"} or yttre["format"] != KUVERT_FORMAT:
        raise KuvertManipulerat
    metadata = yttre["metadata"]
    if not isinstance(metadata, dict) or not isinstance(metadata.get("dokument"), list):
        raise KuvertManipulerat
    signatur = _fran_b64(yttre["signatur"], KuvertManipulerat)
    signerat = {k: yttre[k] for k in ("format", "metadata", "chiffer")}
    try:
        avsandare_publik.signering.verify(signatur, _kanonisk(signerat))
    except InvalidSignature:
        # Another unit's genuine envelope names another sender AND another key; a damaged one differs in one.
        if (
            metadata.get("avsandare") != avsandare_publik.hsa_id
            and metadata.get("avsandarnyckel") != avsandare_publik.signering_fingeravtryck
        ):
            raise KuvertFelAvsandare from None
        raise KuvertManipulerat from None
    # Signed by the sender we expected: from here on the metadata is what the sender wrote.
    if metadata.get("avsandare") != avsandare_publik.hsa_id:
        raise KuvertFelAvsandare
    mottagare = mottagare_privat.publik()
    if (
        metadata.get("mottagare") != mottagare.hsa_id
        or metadata.get("mottagarnyckel") != mottagare.kryptering_fingeravtryck
    ):
        raise KuvertFelMottagare
    try:
        klartext = _SUITE.decrypt(
            _fran_b64(yttre["chiffer"], KuvertManipulerat), mottagare_privat.kryptering, info=_info(metadata)
        )
    except (InvalidTag, ValueError):
        raise KuvertManipulerat from None
    if len(klartext) < _LANGD.size:
        raise KuvertManipulerat
    (langd,) = _LANGD.unpack_from(klartext)
    inre = _las_json(klartext[_LANGD.size : _LANGD.size + langd], KuvertManipulerat)
    namnordning = inre.get("dokument")
    forvantade = metadata["dokument"]
    if not isinstance(namnordning, list) or [d.get("namn") for d in forvantade if isinstance(d, dict)] != namnordning:
        raise KuvertManipulerat
    dokument, position = {}, _LANGD.size + langd
    for post in forvantade:
        storlek = post.get("storlek")
        if not isinstance(storlek, int) or storlek < 0:
            raise KuvertManipulerat
        innehall = klartext[position : position + storlek]
        if len(innehall) != storlek or sha256(innehall).hexdigest() != post.get("sha256"):
            raise KuvertManipulerat
        dokument[post["namn"]] = innehall
        position += storlek
    if position != len(klartext):
        raise KuvertManipulerat
    return metadata, inre.get("payload"), dokument


def kvittera(
    kuvert_sha256: str,
    *,
    mottagare_signeringsnyckel: PrivataNycklar,
    arende_id: str,
    mottagen: datetime | None = None,
) -> bytes:
    """The receiving unit's signed receipt for the envelope whose `kuvert_hash` is `kuvert_sha256`."""
    if not re.fullmatch(r"[0-9a-f]{64}", kuvert_sha256 or ""):
        raise ValueError("kuvert_sha256 måste vara en SHA-256 i hex (kuvert_hash).")
    kvitto = {
        "kuvert_sha256": kuvert_sha256,
        "arende_id": arende_id,
        "mottagare": mottagare_signeringsnyckel.hsa_id,
        "mottagarnyckel": fingeravtryck(mottagare_signeringsnyckel.signering.public_key()),
        "mottagen": (mottagen or datetime.now(UTC)).isoformat(timespec="seconds"),
        "status": "mottagen",
    }
    signerat = {"format": KVITTO_FORMAT, "kvitto": kvitto}
    signatur = mottagare_signeringsnyckel.signering.sign(_kanonisk(signerat))
    return json.dumps({**signerat, "signatur": _b64(signatur)}, ensure_ascii=False, indent=1).encode()


def verifiera_kvitto(kvitto: bytes, *, mottagare_publik: PublikaNycklar, kuvert_hash: str) -> dict[str, Any]:
    """The receipt's content once it is signed by `mottagare_publik`'s unit and acknowledges `kuvert_hash`.
    Raises `KvittoOgiltigt` (unreadable, wrong signer, altered) or `KvittoAnnatKuvert` (another envelope)."""
    yttre = _las_json(kvitto, KvittoOgiltigt)
    if set(yttre) != {"format", "kvitto", "signatur"} or yttre["format"] != KVITTO_FORMAT:
        raise KvittoOgiltigt
    innehall = yttre["kvitto"]
    if not isinstance(innehall, dict):
        raise KvittoOgiltigt
    try:
        mottagare_publik.signering.verify(
            _fran_b64(yttre["signatur"], KvittoOgiltigt), _kanonisk({"format": yttre["format"], "kvitto": innehall})
        )
    except InvalidSignature:
        raise KvittoOgiltigt from None
    if innehall.get("mottagare") != mottagare_publik.hsa_id:
        raise KvittoOgiltigt
    if innehall.get("kuvert_sha256") != kuvert_hash:
        raise KvittoAnnatKuvert
    return innehall
