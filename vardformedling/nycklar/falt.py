"""Field encryption: AES-256-GCM under a data key, and sealed identity documents under a fresh data key per case.

`encrypt(data_key, plaintext, aad=…)` returns `01 | 96-bit random nonce | ciphertext | 128-bit tag`; `decrypt`
raises `DekrypteringMisslyckades` for any flipped bit, a wrong key or wrong associated data. The associated data
binds a ciphertext to where it belongs: use `aad_for("arende", case_id)` for a case's identity, so an identity
copied onto another case does not open.

`forsegla_dokument(region_kod, dokument, aad=…)` seals a small JSON document (the patient's identity:
personnummer, name, address, phone, e-mail, notes) under a fresh data key and wraps that key with the region's key
service: store the three parts of the returned `Forseglat` (ciphertext, wrapped data key, key version) and nothing
else. `oppna_dokument(region_kod, forseglat, aad=…)` gives the document back. Crypto-shredding is deleting the
wrapped data key: the ciphertext is then unreadable.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vardformedling.nycklar.fel import DekrypteringMisslyckades
from vardformedling.nycklar.tjanst import DATANYCKEL_LANGD, Nyckeltjanst, nyckeltjanst, nyckelversion

_FORMAT = b"\x01"
_NONCE = 12
_TAG = 16
MAX_DOKUMENT = 64 * 1024  # an identity document is small; anything larger is a programming error
# The fields part 2 stores in a case's identity document (any JSON object is accepted).
IDENTITETSFALT = ("personnummer", "namn", "adress", "postnummer", "ort", "telefon", "epost", "anteckningar")


def ny_datanyckel() -> bytes:
    """A fresh random 256-bit data key."""
    return secrets.token_bytes(DATANYCKEL_LANGD)


def aad_for(typ: str, identifierare: str) -> bytes:
    """Associated data naming what a ciphertext belongs to: `aad_for("arende", "VF-2026-20-000123-1")`."""
    if not typ or ":" in typ or not identifierare:
        raise ValueError("aad_for behöver en typ utan kolon och en identifierare.")
    return f"vardformedling:{typ}:{identifierare}".encode()


def encrypt(data_key: bytes, plaintext: bytes, *, aad: bytes) -> bytes:
    """AES-256-GCM with a random 96-bit nonce; a fresh nonce per call, so one data key may seal many values."""
    if len(data_key) != DATANYCKEL_LANGD:
        raise ValueError("En datanyckel är 32 byte (AES-256).")
    nonce = secrets.token_bytes(_NONCE)
    return _FORMAT + nonce + AESGCM(data_key).encrypt(nonce, bytes(plaintext), bytes(aad))


def decrypt(data_key: bytes, ciphertext: bytes, *, aad: bytes) -> bytes:
    """The plaintext; `DekrypteringMisslyckades` when the ciphertext, key or associated data is not the one sealed."""
    if len(data_key) != DATANYCKEL_LANGD:
        raise ValueError("En datanyckel är 32 byte (AES-256).")
    ciphertext = bytes(ciphertext)
    if len(ciphertext) < 1 + _NONCE + _TAG or ciphertext[:1] != _FORMAT:
        raise DekrypteringMisslyckades
    try:
        return AESGCM(data_key).decrypt(ciphertext[1 : 1 + _NONCE], ciphertext[1 + _NONCE :], bytes(aad))
    except InvalidTag:
        raise DekrypteringMisslyckades from None


@dataclass(frozen=True)
class Forseglat:
    """A sealed document as stored: ciphertext, the data key wrapped by the owning region, and that key's version
    (also inside the wrapped blob; stored beside it so blobs older than the region's newest version can be found
    with a query)."""

    chiffertext: bytes
    inslagen_nyckel: bytes
    nyckelversion: int


def _serialisera(dokument: Mapping[str, Any]) -> bytes:
    if not isinstance(dokument, Mapping):
        raise TypeError("Dokumentet måste vara en dict.")
    data = json.dumps(dokument, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()
    if len(data) > MAX_DOKUMENT:
        raise ValueError(f"Dokumentet är större än {MAX_DOKUMENT} byte.")
    return data


def forsegla_dokument(
    region_kod: str,
    dokument: Mapping[str, Any],
    *,
    aad: bytes,
    tjanst: Nyckeltjanst | None = None,
    data_key: bytes | None = None,
) -> Forseglat:
    """Seals `dokument` (JSON-serialisable) under a fresh data key (or `data_key`, fresh from `ny_datanyckel`, when
    the caller seals more under it) wrapped by `region_kod`'s key service."""
    tjanst = tjanst or nyckeltjanst()
    data_key = data_key or ny_datanyckel()
    chiffertext = encrypt(data_key, _serialisera(dokument), aad=aad)
    inslagen = tjanst.wrap(region_kod, data_key)
    return Forseglat(chiffertext, inslagen, nyckelversion(inslagen))


def oppna_dokument(
    region_kod: str, forseglat: Forseglat, *, aad: bytes, tjanst: Nyckeltjanst | None = None
) -> dict[str, Any]:
    """The document sealed by `forsegla_dokument`; `NyckelEjTillganglig` when the region's key service cannot
    answer, `OgiltigInslagning`/`DekrypteringMisslyckades` when the stored parts were altered or swapped."""
    tjanst = tjanst or nyckeltjanst()
    data_key = tjanst.unwrap(region_kod, forseglat.inslagen_nyckel)
    return _tolka(decrypt(data_key, forseglat.chiffertext, aad=aad))


def oppna_dokument_flera(
    region_kod: str, forseglade: Iterable[tuple[Forseglat, bytes]], *, tjanst: Nyckeltjanst | None = None
) -> list[dict[str, Any]]:
    """Several documents of one region (a worklist page): `(forseglat, aad)` pairs, one key-service round."""
    tjanst = tjanst or nyckeltjanst()
    par = list(forseglade)
    nycklar = tjanst.unwrap_many(region_kod, [f.inslagen_nyckel for f, _ in par])
    return [_tolka(decrypt(k, f.chiffertext, aad=aad)) for k, (f, aad) in zip(nycklar, par, strict=True)]


def _tolka(data: bytes) -> dict[str, Any]:
    try:
        dokument = json.loads(data)
    except ValueError:
        raise DekrypteringMisslyckades from None
    if not isinstance(dokument, dict):
        raise DekrypteringMisslyckades
    return dokument
