"""Care units' key pairs for end-to-end referrals: X25519 to encrypt to a unit, Ed25519 for a unit to sign.

Why X25519 + Ed25519 rather than RSA-OAEP/PSS: 32-byte keys that fit a catalogue field, no padding or parameter
choices to get wrong, constant-time implementations in `cryptography`, fast key generation (one per demo unit),
and X25519 is the KEM of HPKE (RFC 9180), which the envelopes use (kuvert.py).

    skapa(hsa_id, region_kod)  -> PublikaNycklar   creates the unit's two key pairs once; later calls return them
    publik(hsa_id)             -> PublikaNycklar   public keys (catalogue data)
    privat(hsa_id, region_kod) -> PrivataNycklar   private keys, for opening envelopes and signing

Public keys as text: `nyckel_till_text(k)` gives "x25519:<base64 of the 32 raw bytes>" or "ed25519:…";
`nyckel_fran_text` reads it back and refuses the wrong kind. `fingeravtryck(k)` is "SHA256:" + hex of SHA-256 over
the text form, for two units to compare keys out of band.

Where private keys live (never in clear in the database): with NYCKELTJANST=lokal in a 0600 file
VF_NYCKLAR_DIR/enheter/<HSA-id>.nyckel; with NYCKELTJANST=pkcs11 in the `Enhetsnyckel` row, sealed under a data key
wrapped by the unit's region key, so opening one needs that region's HSM. The row keeps the public keys in both
modes; its wrapped key is re-wrapped when the region's key is rotated (omslag.py).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Literal, overload

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from django.conf import settings
from django.db import IntegrityError, transaction

from vardformedling.hsa import HSA_RE
from vardformedling.nycklar import falt
from vardformedling.nycklar.fel import EnhetsnyckelSaknas, NyckelEjTillganglig, Orsak
from vardformedling.nycklar.lokal import OsakerFil, las_nyckelfil, saker_mapp, skapa_nyckelfil
from vardformedling.nycklar.tjanst import kontrollera_region_kod, nyckeltjanst

# --- Text form and fingerprints ---------------------------------------------------------------------------------


def nyckel_till_text(nyckel: X25519PublicKey | Ed25519PublicKey) -> str:
    """ "x25519:<base64>" or "ed25519:<base64>" (raw 32-byte public key)."""
    if isinstance(nyckel, X25519PublicKey):
        typ = "x25519"
    elif isinstance(nyckel, Ed25519PublicKey):
        typ = "ed25519"
    else:
        raise TypeError("Endast X25519- och Ed25519-nycklar.")
    return f"{typ}:{base64.b64encode(nyckel.public_bytes_raw()).decode('ascii')}"


@overload
def nyckel_fran_text(text: str, *, typ: Literal["x25519"]) -> X25519PublicKey: ...
@overload
def nyckel_fran_text(text: str, *, typ: Literal["ed25519"]) -> Ed25519PublicKey: ...
def nyckel_fran_text(text: str, *, typ: Literal["x25519", "ed25519"]) -> X25519PublicKey | Ed25519PublicKey:
    """The public key in `text`; ValueError with a Swedish message when it is not a `typ` key."""
    prefix, _, data = (text or "").strip().partition(":")
    if prefix != typ or typ not in {"x25519", "ed25519"}:
        raise ValueError(f"Nyckeln måste börja med '{typ}:'.")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("Nyckeln är inte giltig base64.") from None
    if len(raw) != 32:
        raise ValueError("Nyckeln måste vara 32 byte.")
    return X25519PublicKey.from_public_bytes(raw) if typ == "x25519" else Ed25519PublicKey.from_public_bytes(raw)


def fingeravtryck(nyckel: X25519PublicKey | Ed25519PublicKey) -> str:
    """ "SHA256:" + hex SHA-256 of the key's text form."""
    return "SHA256:" + sha256(nyckel_till_text(nyckel).encode("ascii")).hexdigest()


# --- Key pairs --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublikaNycklar:
    """A unit's public keys, as the catalogue publishes them."""

    hsa_id: str
    kryptering: X25519PublicKey = field(repr=False)
    signering: Ed25519PublicKey = field(repr=False)

    @property
    def kryptering_text(self) -> str:
        return nyckel_till_text(self.kryptering)

    @property
    def signering_text(self) -> str:
        return nyckel_till_text(self.signering)

    @property
    def kryptering_fingeravtryck(self) -> str:
        return fingeravtryck(self.kryptering)

    @property
    def signering_fingeravtryck(self) -> str:
        return fingeravtryck(self.signering)

    @classmethod
    def fran_text(cls, hsa_id: str, kryptering: str, signering: str) -> PublikaNycklar:
        """From the two text forms (e.g. the catalogue's fields)."""
        return cls(hsa_id, nyckel_fran_text(kryptering, typ="x25519"), nyckel_fran_text(signering, typ="ed25519"))


@dataclass(frozen=True)
class PrivataNycklar:
    """A unit's private keys (in memory for one request; never logged: repr shows the HSA-id only)."""

    hsa_id: str
    kryptering: X25519PrivateKey = field(repr=False)
    signering: Ed25519PrivateKey = field(repr=False)

    def publik(self) -> PublikaNycklar:
        return PublikaNycklar(self.hsa_id, self.kryptering.public_key(), self.signering.public_key())

    def _raw(self) -> bytes:
        return self.kryptering.private_bytes_raw() + self.signering.private_bytes_raw()

    @classmethod
    def _fran_raw(cls, hsa_id: str, raw: bytes) -> PrivataNycklar:
        if len(raw) != 64:
            raise ValueError("Privata enhetsnycklar är 64 byte.")
        return cls(
            hsa_id, X25519PrivateKey.from_private_bytes(raw[:32]), Ed25519PrivateKey.from_private_bytes(raw[32:])
        )


def nytt_nyckelpar(hsa_id: str) -> PrivataNycklar:
    """Fresh key pairs (not stored): for tests and for a region that keeps its units' keys itself."""
    return PrivataNycklar(_hsa(hsa_id), X25519PrivateKey.generate(), Ed25519PrivateKey.generate())


def _hsa(hsa_id: str) -> str:
    # The HSA-id becomes a file name in lokal mode: only the catalogue's own pattern is accepted.
    if not isinstance(hsa_id, str) or not HSA_RE.match(hsa_id):
        raise ValueError(f"Ogiltigt HSA-id för en vårdenhet: {hsa_id!r}.")
    return hsa_id


def _aad(hsa_id: str) -> bytes:
    return falt.aad_for("enhetsnyckel", hsa_id)


# --- Storage ----------------------------------------------------------------------------------------------------


def skapa(hsa_id: str, region_kod: str) -> PublikaNycklar:
    """Creates the unit's key pairs unless it has them; returns its public keys. Safe to call concurrently: the
    first creator wins and everyone gets its keys."""
    from vardformedling.models import Enhetsnyckel

    hsa_id, region_kod = _hsa(hsa_id), kontrollera_region_kod(region_kod)
    rad = Enhetsnyckel.objects.filter(hsa_id=hsa_id).first()
    if rad is not None and (settings.NYCKELTJANST != "lokal" or _lokal_fil(hsa_id).exists()):
        return _publik(rad)
    nya = nytt_nyckelpar(hsa_id)
    if settings.NYCKELTJANST == "lokal":
        nya = _lokal_skapa(nya, region_kod)  # the file is the truth; the row mirrors it
        rad, _ = Enhetsnyckel.objects.update_or_create(
            hsa_id=hsa_id,
            defaults={
                "region_kod": region_kod,
                "kryptering_publik": nya.publik().kryptering_text,
                "signering_publik": nya.publik().signering_text,
            },
        )
        return _publik(rad)
    forseglat = _forsegla(nya, region_kod)
    try:
        with transaction.atomic():
            rad, _ = Enhetsnyckel.objects.get_or_create(
                hsa_id=hsa_id,
                defaults={
                    "region_kod": region_kod,
                    "kryptering_publik": nya.publik().kryptering_text,
                    "signering_publik": nya.publik().signering_text,
                    "privat_chiffer": forseglat.chiffertext,
                    "privat_inslagen_nyckel": forseglat.inslagen_nyckel,
                    "nyckelversion": forseglat.nyckelversion,
                },
            )
    except IntegrityError:
        rad = Enhetsnyckel.objects.get(hsa_id=hsa_id)
    return _publik(rad)


def publik(hsa_id: str) -> PublikaNycklar:
    """The unit's public keys; `EnhetsnyckelSaknas` when it has none."""
    from vardformedling.models import Enhetsnyckel

    rad = Enhetsnyckel.objects.filter(hsa_id=hsa_id).first()
    if rad is None:
        raise EnhetsnyckelSaknas(hsa_id)
    return _publik(rad)


def privat(hsa_id: str, region_kod: str) -> PrivataNycklar:
    """The unit's private keys. `EnhetsnyckelSaknas` when it has none, `NyckelEjTillganglig` when its region's
    key service cannot answer (pkcs11), ValueError when the unit belongs to another region than `region_kod`."""
    from vardformedling.models import Enhetsnyckel

    hsa_id, region_kod = _hsa(hsa_id), kontrollera_region_kod(region_kod)
    rad = Enhetsnyckel.objects.filter(hsa_id=hsa_id).first()
    if rad is None:
        raise EnhetsnyckelSaknas(hsa_id)
    if rad.region_kod != region_kod:
        raise ValueError(f"Vårdenheten {hsa_id} hör till region {rad.region_kod}, inte {region_kod}.")
    if settings.NYCKELTJANST == "lokal":
        nycklar = _lokal_las(hsa_id, region_kod)
    else:
        if rad.privat_inslagen_nyckel is None or rad.privat_chiffer is None or rad.nyckelversion is None:
            raise EnhetsnyckelSaknas(hsa_id)  # created in lokal mode; run `nycklar --skapa-enhet` again
        dokument = falt.Forseglat(bytes(rad.privat_chiffer), bytes(rad.privat_inslagen_nyckel), rad.nyckelversion)
        data_key = nyckeltjanst().unwrap(region_kod, dokument.inslagen_nyckel)
        nycklar = PrivataNycklar._fran_raw(hsa_id, falt.decrypt(data_key, dokument.chiffertext, aad=_aad(hsa_id)))
    if nycklar.publik().kryptering_text != rad.kryptering_publik:
        raise EnhetsnyckelSaknas(hsa_id)  # the private key no longer matches the published one
    return nycklar


def _publik(rad) -> PublikaNycklar:
    return PublikaNycklar.fran_text(rad.hsa_id, rad.kryptering_publik, rad.signering_publik)


def _forsegla(nycklar: PrivataNycklar, region_kod: str) -> falt.Forseglat:
    data_key = falt.ny_datanyckel()
    chiffertext = falt.encrypt(data_key, nycklar._raw(), aad=_aad(nycklar.hsa_id))
    inslagen = nyckeltjanst().wrap(region_kod, data_key)
    return falt.Forseglat(chiffertext, inslagen, falt.nyckelversion(inslagen))


# --- lokal: one 0600 file per unit ------------------------------------------------------------------------------


def _lokal_fil(hsa_id: str):
    return settings.VF_NYCKLAR_DIR / "enheter" / f"{hsa_id}.nyckel"


def _lokal_skapa(nya: PrivataNycklar, region_kod: str) -> PrivataNycklar:
    fil = _lokal_fil(nya.hsa_id)
    innehall = {
        "hsa_id": nya.hsa_id,
        "region_kod": region_kod,
        "privat": base64.b64encode(nya._raw()).decode("ascii"),
    }
    try:
        saker_mapp(settings.VF_NYCKLAR_DIR)
        saker_mapp(fil.parent)
        skapa_nyckelfil(fil, json.dumps(innehall).encode())
    except (OsakerFil, OSError) as exc:
        raise NyckelEjTillganglig(region_kod, Orsak.BEHORIGHET, str(exc)) from None
    return _lokal_las(nya.hsa_id, region_kod)


def _lokal_las(hsa_id: str, region_kod: str) -> PrivataNycklar:
    try:
        innehall = las_nyckelfil(_lokal_fil(hsa_id))
    except OsakerFil as exc:
        raise NyckelEjTillganglig(region_kod, Orsak.BEHORIGHET, str(exc)) from None
    if innehall is None:
        raise EnhetsnyckelSaknas(hsa_id)
    try:
        data = json.loads(innehall)
        return PrivataNycklar._fran_raw(hsa_id, base64.b64decode(data["privat"], validate=True))
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise EnhetsnyckelSaknas(hsa_id) from None
