"""The local key service for `make run`: per-region keys in files under VF_NYCKLAR_DIR, outside the database.

Layout (folders 0700, files 0600, refused when group or others may read them):

    VF_NYCKLAR_DIR/regioner/<RR>/inslagning-v<N>.nyckel   32 random bytes, AES-256 wrapping key version N
    VF_NYCKLAR_DIR/regioner/<RR>/hmac.nyckel              32 random bytes, the keyed-hash secret
    VF_NYCKLAR_DIR/enheter/<HSA-id>.nyckel                a unit's private keys (enhetsnycklar.py)

Keys are created on first use. A key file is written whole under a temporary name and then hard-linked to its
final name, which fails when the name exists: two processes starting at once end up with the one key that linked
first, and no process ever reads a half-written file. Wrapping is RFC 3394 (`cryptography`'s aes_key_wrap), so
a blob looks exactly as one from the PKCS#11 backend.
"""

from __future__ import annotations

import contextlib
import errno
import hmac
import logging
import os
import re
import secrets
import shutil
import stat
import tempfile
from hashlib import sha256
from pathlib import Path

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from vardformedling.nycklar.fel import NyckelEjTillganglig, OgiltigInslagning, Orsak
from vardformedling.nycklar.tjanst import DATANYCKEL_LANGD, Nyckeltjanst, kontrollera_region_kod

logger = logging.getLogger(__name__)
_VERSIONSFIL = re.compile(r"inslagning-v(\d+)\.nyckel")


class OsakerFil(Exception):
    """A key file or folder others may read, or that is not a regular file/folder."""


def saker_mapp(mapp: Path) -> Path:
    """Creates `mapp` as 0700 when missing (its parents as usual); refuses one that group or others can use."""
    mapp.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.mkdir(mapp, 0o700)
    info = os.lstat(mapp)
    if not stat.S_ISDIR(info.st_mode) or stat.S_IMODE(info.st_mode) & 0o077:
        raise OsakerFil(f"mappen {mapp} måste vara en mapp med behörighet 0700")
    return mapp


def las_nyckelfil(fil: Path) -> bytes | None:
    """The file's bytes, None when it does not exist; refuses a file group or others can read, or a symlink."""
    try:
        fd = os.open(fil, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:  # a symlink (ELOOP) or no permission
        raise OsakerFil(f"nyckelfilen {fil} kan inte läsas ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) & 0o077:
            raise OsakerFil(f"nyckelfilen {fil} måste ha behörighet 0600")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)


def skapa_nyckelfil(fil: Path, innehall: bytes) -> bool:
    """Writes `innehall` to `fil` (0600) unless it exists; True when this call created it. Atomic: the content is
    complete before the name appears, and of two concurrent callers exactly one creates the file."""
    fd, tmp = tempfile.mkstemp(dir=fil.parent, prefix=".ny-", suffix=".tmp")  # mkstemp creates 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(innehall)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, fil)
        except FileExistsError:
            return False
        _fsync_mapp(fil.parent)
        return True
    finally:
        os.unlink(tmp)


def _fsync_mapp(mapp: Path) -> None:
    fd = os.open(mapp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LokalNyckeltjanst(Nyckeltjanst):
    """Key files on this machine (make run, a single-host demo). Not for production: the files are as safe as the
    machine's disk and its backups; production uses the regions' HSMs (hsm.py)."""

    namn = "lokal"
    skapa_vid_behov = True

    def __init__(self, katalog: Path | str) -> None:
        self.katalog = Path(katalog)

    def _region_mapp(self, region_kod: str, *, skapa: bool) -> Path:
        region_kod = kontrollera_region_kod(region_kod)
        mapp = self.katalog / "regioner" / region_kod
        try:
            if skapa or mapp.exists():
                saker_mapp(self.katalog)
                saker_mapp(mapp.parent)
                saker_mapp(mapp)
        except (OsakerFil, OSError) as exc:
            raise self._fel(region_kod, Orsak.BEHORIGHET, exc) from None
        return mapp

    def _fel(self, region_kod: str, orsak: Orsak, exc: OsakerFil | OSError | str) -> NyckelEjTillganglig:
        detalj = str(exc) if isinstance(exc, OsakerFil | str) else f"{type(exc).__name__}: {exc.strerror}"
        logger.warning("Nyckeltjänst lokal, region %s: nyckeln är inte tillgänglig (%s: %s)", region_kod, orsak, detalj)
        return NyckelEjTillganglig(region_kod, orsak, detalj)

    def _las(self, region_kod: str, namn: str) -> bytes:
        fil = self.katalog / "regioner" / kontrollera_region_kod(region_kod) / namn
        try:
            innehall = las_nyckelfil(fil)
        except OsakerFil as exc:
            raise self._fel(region_kod, Orsak.BEHORIGHET, exc) from None
        if innehall is None:
            raise self._fel(region_kod, Orsak.NYCKEL_SAKNAS, f"nyckelfilen {fil} saknas")
        if len(innehall) != DATANYCKEL_LANGD:
            raise self._fel(region_kod, Orsak.NYCKEL_SAKNAS, f"nyckelfilen {fil} har fel längd")
        return innehall

    def versioner(self, region_kod: str) -> tuple[int, ...]:
        mapp = self.katalog / "regioner" / kontrollera_region_kod(region_kod)
        try:
            namn = os.listdir(mapp)
        except FileNotFoundError:
            return ()
        except OSError as exc:
            raise self._fel(region_kod, Orsak.BEHORIGHET, exc) from None
        return tuple(sorted(int(m.group(1)) for n in namn if (m := _VERSIONSFIL.fullmatch(n))))

    def _har_hmac(self, region_kod: str) -> bool:
        self._region_mapp(region_kod, skapa=False)  # refuses a folder with unsafe permissions
        return (self.katalog / "regioner" / region_kod / "hmac.nyckel").exists()

    def _ny_region(self, region_kod: str) -> bool:
        return not (self.katalog / "regioner" / kontrollera_region_kod(region_kod)).exists()

    def _skapa_region_atomiskt(self, region_kod: str) -> None:
        """A new region's folder appears whole, with both keys in it: written in a temporary folder and renamed
        into place (which fails when another process got there first). So a folder that exists is complete, and
        a missing key in it is a lost key, never a half-created region."""
        regioner = saker_mapp(saker_mapp(self.katalog) / "regioner")
        tmp = Path(tempfile.mkdtemp(dir=regioner, prefix=".ny-"))  # 0700
        try:
            skapa_nyckelfil(tmp / "hmac.nyckel", secrets.token_bytes(32))
            skapa_nyckelfil(tmp / "inslagning-v1.nyckel", secrets.token_bytes(DATANYCKEL_LANGD))
            try:
                os.rename(tmp, regioner / region_kod)
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
                return
            _fsync_mapp(regioner)
            logger.info("Nyckeltjänst lokal: region %s fick inslagningsnyckel version 1 och en HMAC-nyckel", region_kod)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def skapa(self, region_kod: str) -> int:
        try:
            if self._ny_region(region_kod):
                self._skapa_region_atomiskt(region_kod)
        except (OsakerFil, OSError) as exc:
            raise self._fel(region_kod, Orsak.BEHORIGHET, exc) from None
        mapp = self._region_mapp(region_kod, skapa=True)
        try:
            # An explicit `nycklar --skapa` on a region that lost a key: make what is missing.
            if skapa_nyckelfil(mapp / "hmac.nyckel", secrets.token_bytes(32)):
                logger.info("Nyckeltjänst lokal: region %s fick en ny HMAC-nyckel", region_kod)
            if not self.versioner(region_kod) and skapa_nyckelfil(
                mapp / "inslagning-v1.nyckel", secrets.token_bytes(DATANYCKEL_LANGD)
            ):
                logger.info("Nyckeltjänst lokal: region %s fick inslagningsnyckel version 1", region_kod)
        except OSError as exc:
            raise self._fel(region_kod, Orsak.BEHORIGHET, exc) from None
        return self.versioner(region_kod)[-1]

    def rotate(self, region_kod: str) -> int:
        self.skapa(region_kod)
        mapp = self._region_mapp(region_kod, skapa=True)
        while True:
            version = self.versioner(region_kod)[-1] + 1
            try:
                skapad = skapa_nyckelfil(mapp / f"inslagning-v{version}.nyckel", secrets.token_bytes(DATANYCKEL_LANGD))
            except OSError as exc:
                raise self._fel(region_kod, Orsak.BEHORIGHET, exc) from None
            if skapad:
                logger.info("Nyckeltjänst lokal: region %s roterad till version %d", region_kod, version)
                return version

    def keyed_hash(self, region_kod: str, value: bytes) -> bytes:
        try:
            nyckel = self._las(region_kod, "hmac.nyckel")
        except NyckelEjTillganglig as exc:
            if exc.orsak != Orsak.NYCKEL_SAKNAS or not self._ny_region(region_kod):
                raise
            self.skapa(region_kod)  # first use of a fresh region
            nyckel = self._las(region_kod, "hmac.nyckel")
        return hmac.new(nyckel, bytes(value), sha256).digest()

    def keyed_hashes(self, region_kod: str, values: list[bytes]) -> list[bytes]:
        """As `keyed_hash`, the key file read once for all values."""
        if not values:
            return []
        forsta = self.keyed_hash(region_kod, values[0])  # creates a fresh region's keys, as one call would
        nyckel = self._las(region_kod, "hmac.nyckel")
        return [forsta, *(hmac.new(nyckel, bytes(v), sha256).digest() for v in values[1:])]

    def _wrap(self, region_kod: str, version: int, data_key: bytes) -> bytes:
        return aes_key_wrap(self._las(region_kod, f"inslagning-v{version}.nyckel"), data_key)

    def _unwrap(self, region_kod: str, version: int, nyckeldata: bytes) -> bytes:
        nyckel = self._las(region_kod, f"inslagning-v{version}.nyckel")
        try:
            return aes_key_unwrap(nyckel, nyckeldata)
        except InvalidUnwrap:
            raise OgiltigInslagning from None
