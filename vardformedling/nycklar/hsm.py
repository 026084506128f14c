"""The PKCS#11 key service: each region's keys live in its own HSM token and never leave it.

Per region (settings `PKCS11_REGIONER`, built from the environment by `installningar.pkcs11_regioner`):
the PKCS#11 module (the region's HSM vendor library, default PKCS11_MODULE), the token label, and the user PIN
read from `PKCS11_PIN_<RR>` or the file named by `PKCS11_PIN_FIL_<RR>` when the session is opened (never
stored in settings, never logged).

In the token, per region RR (labels, so one token may hold several regions' keys):
    vf-RR-inslagning-vN   AES-256, CKA_WRAP/CKA_UNWRAP only, sensitive, non-extractable (wrapping key version N)
    vf-RR-hmac            generic secret 256 bits, CKA_SIGN/CKA_VERIFY only, sensitive, non-extractable
Wrap: the data key enters the token as a session object and leaves it wrapped (C_WrapKey, CKM_AES_KEY_WRAP).
Unwrap: C_UnwrapKey to an extractable session object, read, destroyed. Keyed hash: C_Sign with CKM_SHA256_HMAC.

Sessions: one logged-in session per (module, token) per process, opened on first use and reused. Calls into a
module are serialised by one lock per process (the library is initialised without OS locking, which the standard
says forbids concurrent calls), so threads are safe. After a fork (Celery prefork, gunicorn) the child
re-initialises the library and opens its own sessions. A refused PIN is remembered for `nytt_forsok_efter`
seconds (PKCS11_NYTT_FORSOK) so a busy page cannot lock a real HSM's PIN by retrying; a session the HSM dropped
is reopened once. Every failure becomes `NyckelEjTillganglig` with a reason; nothing secret reaches a log.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11 import exceptions as p11

from vardformedling.nycklar.fel import NyckelEjTillganglig, OgiltigInslagning, Orsak
from vardformedling.nycklar.tjanst import DATANYCKEL_LANGD, Inslagen, Nyckeltjanst, kontrollera_region_kod

logger = logging.getLogger(__name__)

# The key stays in the token: no attribute lets it out, and it can do one thing only.
_NYCKELMALL = {
    Attribute.TOKEN: True,
    Attribute.PRIVATE: True,
    Attribute.SENSITIVE: True,
    Attribute.EXTRACTABLE: False,
    Attribute.MODIFIABLE: False,
}
# The data key while it is inside the token: a session object, gone when destroyed or the session closes.
_DATANYCKELMALL = {
    Attribute.TOKEN: False,
    Attribute.PRIVATE: False,
    Attribute.SENSITIVE: False,
    Attribute.EXTRACTABLE: True,
}
_SESSION_BORTA = (p11.SessionClosed, p11.SessionHandleInvalid, p11.UserNotLoggedIn, p11.DeviceRemoved)
_TOKEN_BORTA = (p11.TokenNotPresent, p11.TokenNotRecognised, p11.DeviceRemoved, p11.NoSuchToken, p11.SlotIDInvalid)
_FEL_PIN = (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange, p11.PinLocked, p11.PinExpired)
_OGILTIG = (p11.WrappedKeyInvalid, p11.WrappedKeyLenRange, p11.EncryptedDataInvalid, p11.GeneralError)


def etikett_inslagning(region_kod: str, version: int) -> str:
    return f"vf-{region_kod}-inslagning-v{version}"


def etikett_hmac(region_kod: str) -> str:
    return f"vf-{region_kod}-hmac"


@dataclass
class _Anslutning:
    """One logged-in session to one token, with its key handles."""

    session: pkcs11.Session
    # key label → key handle; ("aktuell", region) → the newest wrapping-key version known to this session
    nycklar: dict[str | tuple[str, str], Any] = field(default_factory=dict)


class Pkcs11Nyckeltjanst(Nyckeltjanst):
    """Region keys in PKCS#11 tokens (an HSM per region in production, SoftHSM in tests)."""

    namn = "pkcs11"
    skapa_vid_behov = False

    def __init__(self, regioner: dict[str, dict], *, nytt_forsok_efter: float = 30.0) -> None:
        self.regioner = regioner
        self.nytt_forsok_efter = nytt_forsok_efter
        self._lock = threading.RLock()
        self._anslutningar: dict[tuple[str, str], _Anslutning] = {}
        self._misslyckade: dict[tuple[str, str], tuple[float, NyckelEjTillganglig]] = {}
        self._pid = os.getpid()

    # --- sessions ------------------------------------------------------------------------------------------

    def _konfiguration(self, region_kod: str) -> tuple[str, str]:
        kontrollera_region_kod(region_kod)
        konf = self.regioner.get(region_kod) or {}
        modul, token = konf.get("modul") or "", konf.get("token") or ""
        if not modul or not token:
            raise self._fel(region_kod, Orsak.EJ_KONFIGURERAD, "ingen PKCS#11-modul eller token angiven för regionen")
        return modul, token

    @staticmethod
    def _pin(region_kod: str) -> str | None:
        pin = os.environ.get(f"PKCS11_PIN_{region_kod}")
        if pin:
            return pin
        fil = os.environ.get(f"PKCS11_PIN_FIL_{region_kod}")
        if fil:
            try:
                return Path(fil).read_text(encoding="utf-8").strip() or None
            except OSError:
                return None
        return None

    def _fel(self, region_kod: str, orsak: Orsak, detalj: str) -> NyckelEjTillganglig:
        logger.warning(
            "Nyckeltjänst pkcs11, region %s: nyckeln är inte tillgänglig (%s: %s)", region_kod, orsak, detalj
        )
        return NyckelEjTillganglig(region_kod, orsak, detalj)

    def _efter_fork(self) -> None:
        """A forked child must not use its parent's sessions: re-initialise each loaded module, start over."""
        if os.getpid() == self._pid:
            return
        self._anslutningar.clear()
        self._misslyckade.clear()
        for modul in {konf["modul"] for konf in self.regioner.values() if konf.get("modul")}:
            lib = pkcs11._loaded.get(modul)
            if lib is not None:
                lib.reinitialize()
        self._pid = os.getpid()

    def _anslutning(self, region_kod: str) -> _Anslutning:
        """The open session for the region's token (the caller holds the lock)."""
        modul, token = self._konfiguration(region_kod)
        self._efter_fork()
        nyckel = (modul, token)
        if (ansl := self._anslutningar.get(nyckel)) is not None:
            return ansl
        if (misslyckad := self._misslyckade.get(nyckel)) and time.monotonic() - misslyckad[0] < self.nytt_forsok_efter:
            fel = misslyckad[1]
            raise NyckelEjTillganglig(region_kod, fel.orsak, fel.detalj)
        try:
            ansl = _Anslutning(self._oppna(region_kod, modul, token))
        except NyckelEjTillganglig as exc:
            if exc.orsak == Orsak.FEL_PIN:
                self._misslyckade[nyckel] = (time.monotonic(), exc)
            raise
        self._misslyckade.pop(nyckel, None)
        self._anslutningar[nyckel] = ansl
        return ansl

    def _oppna(self, region_kod: str, modul: str, token: str):
        pin = self._pin(region_kod)
        if pin is None:
            raise self._fel(region_kod, Orsak.EJ_KONFIGURERAD, f"ingen PIN angiven (PKCS11_PIN_{region_kod})")
        try:
            lib = pkcs11.lib(modul)
        except (p11.PKCS11Error, OSError) as exc:
            raise self._fel(region_kod, Orsak.MODUL_SAKNAS, f"PKCS#11-modulen {modul} kan inte laddas") from exc
        try:
            tok = lib.get_token(token_label=token)
        except (*_TOKEN_BORTA, p11.MultipleTokensReturned) as exc:
            raise self._fel(region_kod, Orsak.TOKEN_SAKNAS, f"token {token!r}: {type(exc).__name__}") from None
        try:
            session = tok.open(rw=True, user_pin=pin)
        except p11.UserAlreadyLoggedIn:
            # Login is per application and token: another session of this process is logged in, so this one is.
            session = tok.open(rw=True)
        except _FEL_PIN as exc:
            raise self._fel(region_kod, Orsak.FEL_PIN, f"token {token!r}: PIN nekad ({type(exc).__name__})") from None
        except p11.PKCS11Error as exc:
            raise self._fel(region_kod, Orsak.HSM_FEL, f"token {token!r}: {type(exc).__name__}") from None
        logger.info("Nyckeltjänst pkcs11: session öppnad mot token %r för region %s", token, region_kod)
        return session

    def _kor(self, region_kod: str, funktion):
        """Runs `funktion(anslutning)` under the lock; reopens once when the HSM dropped the session."""
        with self._lock:
            for forsok in (1, 2):
                ansl = self._anslutning(region_kod)
                try:
                    return funktion(ansl)
                except (*_SESSION_BORTA, p11.KeyHandleInvalid, p11.ObjectHandleInvalid) as exc:
                    self._slapp(region_kod)
                    if forsok == 2:
                        raise self._fel(
                            region_kod, Orsak.HSM_FEL, f"sessionen tappades ({type(exc).__name__})"
                        ) from None
                except NyckelEjTillganglig as exc:
                    logger.warning(
                        "Nyckeltjänst pkcs11, region %s: nyckeln är inte tillgänglig (%s: %s)",
                        region_kod,
                        exc.orsak,
                        exc.detalj,
                    )
                    raise
                except OgiltigInslagning:
                    raise
                except _TOKEN_BORTA as exc:
                    self._slapp(region_kod)
                    raise self._fel(region_kod, Orsak.TOKEN_SAKNAS, type(exc).__name__) from None
                except p11.PKCS11Error as exc:
                    raise self._fel(region_kod, Orsak.HSM_FEL, type(exc).__name__) from None
        raise AssertionError("unreachable")

    def _slapp(self, region_kod: str) -> None:
        self._anslutningar.pop(self._konfiguration(region_kod), None)

    def aterstall(self) -> None:
        with self._lock:
            for ansl in self._anslutningar.values():
                with contextlib.suppress(p11.PKCS11Error):
                    ansl.session.close()
            self._anslutningar.clear()
            self._misslyckade.clear()

    # --- keys ----------------------------------------------------------------------------------------------

    @staticmethod
    def _nyckel(ansl: _Anslutning, namn: str, key_type: KeyType, region_kod: str):
        if (nyckel := ansl.nycklar.get(namn)) is not None:
            return nyckel
        nycklar = list(
            ansl.session.get_objects(
                {Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.KEY_TYPE: key_type, Attribute.LABEL: namn}
            )
        )
        if not nycklar:
            raise NyckelEjTillganglig(region_kod, Orsak.NYCKEL_SAKNAS, f"nyckeln {namn!r} finns inte i token")
        # Two concurrent `skapa` may both have generated the key; both keep the same one (the lowest CKA_ID).
        nyckel = min(nycklar, key=lambda k: k[Attribute.ID])
        ansl.nycklar[namn] = nyckel
        return nyckel

    @staticmethod
    def _versioner(ansl: _Anslutning, region_kod: str) -> tuple[int, ...]:
        prefix = f"vf-{region_kod}-inslagning-v"
        versioner = set()
        for nyckel in ansl.session.get_objects(
            {Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.KEY_TYPE: KeyType.AES}
        ):
            etikett = cast(pkcs11.SecretKey, nyckel).label or ""  # the filter asked for secret keys only
            if etikett.startswith(prefix) and etikett[len(prefix) :].isdigit():
                versioner.add(int(etikett[len(prefix) :]))
        return tuple(sorted(versioner))

    def versioner(self, region_kod: str) -> tuple[int, ...]:
        return self._kor(region_kod, lambda ansl: self._versioner(ansl, region_kod))

    def aktuell_version(self, region_kod: str) -> int:
        """The newest version, without listing every key in the token on each wrap: the version known to this
        session, moved forward while a next one exists (another process may have rotated)."""

        def aktuell(ansl):
            kand = ansl.nycklar.get(("aktuell", region_kod))
            if kand is None:
                versioner = self._versioner(ansl, region_kod)
                if not versioner:
                    raise NyckelEjTillganglig(region_kod, Orsak.NYCKEL_SAKNAS, "regionen har ingen inslagningsnyckel")
                kand = versioner[-1]
            while self._finns(ansl, etikett_inslagning(region_kod, kand + 1), KeyType.AES):
                kand += 1
            ansl.nycklar[("aktuell", region_kod)] = kand
            return kand

        return self._kor(kontrollera_region_kod(region_kod), aktuell)

    @staticmethod
    def _finns(ansl: _Anslutning, etikett: str, key_type: KeyType) -> bool:
        if etikett in ansl.nycklar:
            return True
        sok = {Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.KEY_TYPE: key_type, Attribute.LABEL: etikett}
        return next(iter(ansl.session.get_objects(sok)), None) is not None

    def _har_hmac(self, region_kod: str) -> bool:
        return self._kor(region_kod, lambda ansl: self._har_hmac_i(ansl, region_kod))

    def _generera(self, ansl: _Anslutning, etikett: str, key_type: KeyType, formaga: MechanismFlag) -> None:
        ansl.session.generate_key(
            key_type,
            256,
            label=etikett,
            id=os.urandom(16),
            store=True,
            capabilities=formaga,
            template=_NYCKELMALL,
        )
        ansl.nycklar.pop(etikett, None)

    def skapa(self, region_kod: str) -> int:
        def skapa(ansl):
            if not self._har_hmac_i(ansl, region_kod):
                self._generera(
                    ansl, etikett_hmac(region_kod), KeyType.GENERIC_SECRET, MechanismFlag.SIGN | MechanismFlag.VERIFY
                )
                logger.info("Nyckeltjänst pkcs11: region %s fick en ny HMAC-nyckel i sin token", region_kod)
            if not self._versioner(ansl, region_kod):
                self._generera(
                    ansl, etikett_inslagning(region_kod, 1), KeyType.AES, MechanismFlag.WRAP | MechanismFlag.UNWRAP
                )
                logger.info("Nyckeltjänst pkcs11: region %s fick inslagningsnyckel version 1 i sin token", region_kod)
            return self._versioner(ansl, region_kod)[-1]

        return self._kor(region_kod, skapa)

    def _har_hmac_i(self, ansl: _Anslutning, region_kod: str) -> bool:
        return self._finns(ansl, etikett_hmac(region_kod), KeyType.GENERIC_SECRET)

    def rotate(self, region_kod: str) -> int:
        self.skapa(region_kod)

        def rotera(ansl):
            version = self._versioner(ansl, region_kod)[-1] + 1
            self._generera(
                ansl, etikett_inslagning(region_kod, version), KeyType.AES, MechanismFlag.WRAP | MechanismFlag.UNWRAP
            )
            logger.info("Nyckeltjänst pkcs11: region %s roterad till version %d", region_kod, version)
            return version

        return self._kor(region_kod, rotera)

    def keyed_hash(self, region_kod: str, value: bytes) -> bytes:
        def hmac(ansl):
            nyckel = self._nyckel(ansl, etikett_hmac(region_kod), KeyType.GENERIC_SECRET, region_kod)
            return bytes(nyckel.sign(bytes(value), mechanism=Mechanism.SHA256_HMAC))

        return self._kor(region_kod, hmac)

    def keyed_hashes(self, region_kod: str, values: list[bytes]) -> list[bytes]:
        """As `keyed_hash`, every value in one session round (the key looked up once)."""

        def hmacs(ansl):
            nyckel = self._nyckel(ansl, etikett_hmac(region_kod), KeyType.GENERIC_SECRET, region_kod)
            return [bytes(nyckel.sign(bytes(v), mechanism=Mechanism.SHA256_HMAC)) for v in values]

        return self._kor(region_kod, hmacs) if values else []

    def _wrap(self, region_kod: str, version: int, data_key: bytes) -> bytes:
        def wrap(ansl):
            nyckel = self._nyckel(ansl, etikett_inslagning(region_kod, version), KeyType.AES, region_kod)
            objekt = ansl.session.create_object(
                {
                    Attribute.CLASS: ObjectClass.SECRET_KEY,
                    Attribute.KEY_TYPE: KeyType.AES,
                    Attribute.VALUE: data_key,
                    **_DATANYCKELMALL,
                }
            )
            try:
                return bytes(nyckel.wrap_key(objekt, mechanism=Mechanism.AES_KEY_WRAP))
            finally:
                objekt.destroy()

        return self._kor(region_kod, wrap)

    @staticmethod
    def _unwrap_i(ansl: _Anslutning, nyckel, nyckeldata: bytes) -> bytes:
        try:
            objekt = nyckel.unwrap_key(
                ObjectClass.SECRET_KEY,
                KeyType.AES,
                nyckeldata,
                mechanism=Mechanism.AES_KEY_WRAP,
                store=False,
                capabilities=0,
                template=_DATANYCKELMALL,
            )
        except _OGILTIG:
            raise OgiltigInslagning from None
        try:
            varde = bytes(objekt[Attribute.VALUE])
        finally:
            objekt.destroy()
        if len(varde) != DATANYCKEL_LANGD:
            raise OgiltigInslagning
        return varde

    def _unwrap(self, region_kod: str, version: int, nyckeldata: bytes) -> bytes:
        return self._unwrap_flera(region_kod, [Inslagen(region_kod, version, nyckeldata)])[0]

    def _unwrap_flera(self, region_kod: str, blobs: list[Inslagen]) -> list[bytes]:
        def unwrap(ansl):
            return [
                self._unwrap_i(
                    ansl,
                    self._nyckel(ansl, etikett_inslagning(region_kod, b.version), KeyType.AES, region_kod),
                    b.nyckeldata,
                )
                for b in blobs
            ]

        return self._kor(region_kod, unwrap)
