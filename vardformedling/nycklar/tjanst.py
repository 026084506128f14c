"""The key service interface: region-held keys that wrap data keys and compute keyed hashes.

A region's key never leaves its key service: the portal hands it a data key to wrap (or a wrapped blob to unwrap)
and gets the result back. Two implementations share the blob format and everything else in this module:
`lokal.LokalNyckeltjanst` (key files under VF_NYCKLAR_DIR, for `make run`) and `hsm.Pkcs11Nyckeltjanst` (one
PKCS#11 token per region; keys generated inside the HSM, non-extractable). `nyckeltjanst()` returns the one that
settings name (NYCKELTJANST), one instance per process.

A wrapped blob is `01 | region code (2 ASCII) | key version (uint32, big-endian) | RFC 3394 AES key wrap of a
256-bit data key` (47 bytes). The key version in the blob is how an old blob still unwraps after `rotate`;
`rewrap` puts a blob under the newest version without touching the data the data key encrypts.
"""

from __future__ import annotations

import abc
import re
import struct
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from vardformedling.nycklar.fel import NyckelEjTillganglig, OgiltigInslagning, Orsak

DATANYCKEL_LANGD = 32  # AES-256
HMAC_LANGD = 32  # HMAC-SHA256
_FORMAT = 1
_HUVUD = struct.Struct(">B2sI")
_REGION_KOD = re.compile(r"\d{2}")


def kontrollera_region_kod(region_kod: str) -> str:
    """Two digits, as in fixtures/regioner.csv; anything else is a programming error, not a missing key."""
    if not isinstance(region_kod, str) or not _REGION_KOD.fullmatch(region_kod):
        raise ValueError(f"Regionkoden måste vara två siffror, fick {region_kod!r}.")
    return region_kod


@dataclass(frozen=True)
class Inslagen:
    """A parsed wrapped blob."""

    region_kod: str
    version: int
    nyckeldata: bytes  # the RFC 3394 output

    def till_bytes(self) -> bytes:
        return _HUVUD.pack(_FORMAT, self.region_kod.encode("ascii"), self.version) + self.nyckeldata


def las_inslagen(inslagen: bytes) -> Inslagen:
    """Parses a wrapped blob; `OgiltigInslagning` when it is not one."""
    if not isinstance(inslagen, bytes | bytearray | memoryview) or len(inslagen) != _HUVUD.size + DATANYCKEL_LANGD + 8:
        raise OgiltigInslagning
    fmt, region, version = _HUVUD.unpack_from(inslagen)
    try:
        region_kod = region.decode("ascii")
    except UnicodeDecodeError:
        raise OgiltigInslagning from None
    if fmt != _FORMAT or not _REGION_KOD.fullmatch(region_kod) or version < 1:
        raise OgiltigInslagning
    return Inslagen(region_kod, version, bytes(inslagen[_HUVUD.size :]))


def nyckelversion(inslagen: bytes) -> int:
    """The region key version a blob is wrapped under (store it beside the blob to find blobs to re-wrap)."""
    return las_inslagen(inslagen).version


@dataclass(frozen=True)
class NyckelStatus:
    """What `nycklar --status` shows for a region: never key material."""

    region_kod: str
    tillganglig: bool
    versioner: tuple[int, ...] = ()
    har_hmac: bool = False
    orsak: str = ""
    detalj: str = ""


class Nyckeltjanst(abc.ABC):
    """One region key service. Every method takes the region's two-digit code; a region whose key cannot be
    used raises `NyckelEjTillganglig` (from any method), a blob that does not unwrap `OgiltigInslagning`."""

    namn: str
    # The local backend creates a region's keys on first use (make run); an HSM's keys are created on purpose
    # (`nycklar --skapa RR`), so a wrong token never silently gets a fresh key.
    skapa_vid_behov: bool = False

    # --- implemented by each backend -----------------------------------------------------------------------

    @abc.abstractmethod
    def skapa(self, region_kod: str) -> int:
        """Creates the region's wrapping key (version 1) and HMAC key if missing; returns the newest version."""

    @abc.abstractmethod
    def rotate(self, region_kod: str) -> int:
        """Creates a new wrapping key version and returns its number. Older versions stay (old blobs unwrap);
        the HMAC key is not rotated: stored keyed hashes must keep matching (README "Nycklar och kryptering")."""

    @abc.abstractmethod
    def versioner(self, region_kod: str) -> tuple[int, ...]:
        """The region's wrapping key versions, ascending (empty when it has none yet)."""

    @abc.abstractmethod
    def keyed_hash(self, region_kod: str, value: bytes) -> bytes:
        """HMAC-SHA256 of `value` under the region's secret: equal values give equal hashes within a region and
        unrelated hashes across regions (duplicate checks and patient matching without storing personnummer)."""

    def keyed_hashes(self, region_kod: str, values: list[bytes]) -> list[bytes]:
        """`keyed_hash` of each value (a waiting list's 20,000 personnummer); services may do it in one round."""
        return [self.keyed_hash(region_kod, v) for v in values]

    @abc.abstractmethod
    def _wrap(self, region_kod: str, version: int, data_key: bytes) -> bytes:
        """RFC 3394 wrap under the region's key `version`."""

    @abc.abstractmethod
    def _unwrap(self, region_kod: str, version: int, nyckeldata: bytes) -> bytes:
        """RFC 3394 unwrap under the region's key `version`; `OgiltigInslagning` when the integrity check fails."""

    def _unwrap_flera(self, region_kod: str, blobs: list[Inslagen]) -> list[bytes]:
        return [self._unwrap(region_kod, b.version, b.nyckeldata) for b in blobs]

    def aterstall(self) -> None:  # noqa: B027 (optional: only a backend with sessions has something to forget)
        """Forgets open sessions and cached handles."""

    # --- shared --------------------------------------------------------------------------------------------

    def aktuell_version(self, region_kod: str) -> int:
        """The newest wrapping key version (the one `wrap` uses)."""
        versioner = self.versioner(kontrollera_region_kod(region_kod))
        if not versioner and self.skapa_vid_behov:
            if self._ny_region(region_kod):
                return self.skapa(region_kod)
            # Another process created the region between the two looks (its folder appears whole): read again.
            versioner = self.versioner(region_kod)
        if versioner:
            return versioner[-1]
        raise NyckelEjTillganglig(region_kod, Orsak.NYCKEL_SAKNAS, "regionen har ingen inslagningsnyckel ännu")

    def wrap(self, region_kod: str, data_key: bytes) -> bytes:
        """`data_key` (32 bytes) wrapped under the region's newest key version, as a self-describing blob."""
        kontrollera_region_kod(region_kod)
        if not isinstance(data_key, bytes) or len(data_key) != DATANYCKEL_LANGD:
            raise ValueError("En datanyckel är 32 byte (AES-256).")
        version = self.aktuell_version(region_kod)
        return Inslagen(region_kod, version, self._wrap(region_kod, version, data_key)).till_bytes()

    def unwrap(self, region_kod: str, wrapped: bytes) -> bytes:
        """The data key inside `wrapped`. A blob of another region is refused (`OgiltigInslagning`)."""
        return self.unwrap_many(region_kod, [wrapped])[0]

    def unwrap_many(self, region_kod: str, wrapped: Iterable[bytes]) -> list[bytes]:
        """Unwraps several blobs of one region at once (a worklist of 50 cases): one session and one lock."""
        kontrollera_region_kod(region_kod)
        blobs = [las_inslagen(w) for w in wrapped]
        if any(b.region_kod != region_kod for b in blobs):
            raise OgiltigInslagning
        return self._unwrap_flera(region_kod, blobs) if blobs else []

    def rewrap(self, region_kod: str, wrapped: bytes) -> bytes:
        """`wrapped` under the region's newest key version (the same blob when it already is); the data key, and
        so everything it encrypts, stays the same."""
        blob = las_inslagen(wrapped)
        if blob.region_kod != kontrollera_region_kod(region_kod):
            raise OgiltigInslagning
        aktuell = self.aktuell_version(region_kod)
        if blob.version == aktuell:
            return bytes(wrapped)
        data_key = self._unwrap(region_kod, blob.version, blob.nyckeldata)
        return Inslagen(region_kod, aktuell, self._wrap(region_kod, aktuell, data_key)).till_bytes()

    def status(self, region_kod: str) -> NyckelStatus:
        """Availability and key versions for the management command; tries the key service, never raises for an
        unavailable key."""
        try:
            versioner = self.versioner(region_kod)
            har_hmac = self._har_hmac(region_kod)
        except NyckelEjTillganglig as exc:
            return NyckelStatus(region_kod, False, orsak=str(exc.orsak), detalj=exc.detalj)
        return NyckelStatus(region_kod, bool(versioner) and har_hmac, versioner, har_hmac)

    @abc.abstractmethod
    def _har_hmac(self, region_kod: str) -> bool: ...

    def _ny_region(self, region_kod: str) -> bool:
        """Whether the region has no key at all yet (only then does `skapa_vid_behov` create one: a region that
        lost one of its keys must not silently get a new one)."""
        return not self.versioner(region_kod) and not self._har_hmac(region_kod)


# --- The configured backend, one per process --------------------------------------------------------------------

_tjanst: Nyckeltjanst | None = None
_tjanst_lock = threading.Lock()
INSTALLNINGAR = {"NYCKELTJANST", "VF_NYCKLAR_DIR", "PKCS11_MODULE", "PKCS11_REGIONER", "PKCS11_NYTT_FORSOK"}


def nyckeltjanst() -> Nyckeltjanst:
    """The key service that settings name: `NYCKELTJANST` = `lokal` (VF_NYCKLAR_DIR) or `pkcs11`
    (PKCS11_MODULE, PKCS11_REGIONER). Created on first use and kept for the process."""
    global _tjanst
    if _tjanst is None:
        with _tjanst_lock:
            if _tjanst is None:
                _tjanst = _skapa_fran_installningar()
    return _tjanst


def _skapa_fran_installningar() -> Nyckeltjanst:
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    if settings.NYCKELTJANST == "lokal":
        from vardformedling.nycklar.lokal import LokalNyckeltjanst

        return LokalNyckeltjanst(settings.VF_NYCKLAR_DIR)
    if settings.NYCKELTJANST == "pkcs11":
        from vardformedling.nycklar.hsm import Pkcs11Nyckeltjanst

        return Pkcs11Nyckeltjanst(
            settings.PKCS11_REGIONER,
            nytt_forsok_efter=settings.PKCS11_NYTT_FORSOK,
        )
    raise ImproperlyConfigured("NYCKELTJANST måste vara 'lokal' eller 'pkcs11'.")


def aterstall_nyckeltjanst(**kwargs) -> None:
    """Drops the process's key service (its sessions are closed by the next one); the next call builds it anew
    from settings. Connected to `setting_changed`, so tests that change a key setting get a fresh one."""
    global _tjanst
    setting = kwargs.get("setting")
    if setting is not None and setting not in INSTALLNINGAR:
        return
    with _tjanst_lock:
        if _tjanst is not None:
            _tjanst.aterstall()
        _tjanst = None
