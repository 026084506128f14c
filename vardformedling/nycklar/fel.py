"""The exceptions of the key service, field encryption and envelopes: one type per failure a caller handles.

Every exception carries `meddelande`, a Swedish sentence fit for a page (`str(exc)` is the same text), and says
nothing about key material, PINs or plaintext: they may be logged as they are. Callers catch `KryptoFel` (or a
narrower type) and show `exc.meddelande`; none of them should ever become a 500.
"""

from __future__ import annotations

import enum
from functools import cache


class KryptoFel(Exception):
    """Base class: a Swedish message for the page in `meddelande`."""

    meddelande: str = "Ett fel uppstod i krypteringen."

    def __init__(self, meddelande: str | None = None) -> None:
        if meddelande is not None:
            self.meddelande = meddelande
        super().__init__(self.meddelande)


# --- Region keys ---------------------------------------------------------------------------------------------


class Orsak(enum.StrEnum):
    """Why a region's key is unavailable (for logs and the `nycklar --status` command; never shown as is)."""

    EJ_KONFIGURERAD = "ej_konfigurerad"  # no key service named for the region in settings
    NYCKEL_SAKNAS = "nyckel_saknas"  # the key (or that key version) does not exist
    TOKEN_SAKNAS = "token_saknas"  # noqa: S105 (a reason code, not a password)  # the PKCS#11 token is absent
    FEL_PIN = "fel_pin"  # the PIN was refused (or is locked)
    MODUL_SAKNAS = "modul_saknas"  # the PKCS#11 module could not be loaded
    BEHORIGHET = "behorighet"  # a key file or folder has unsafe permissions or cannot be read
    HSM_FEL = "hsm_fel"  # any other answer from the HSM


@cache
def region_namn(region_kod: str) -> str:
    """The region's name from fixtures/regioner.csv ("Region Dalarna"), or "Region RR" for an unknown code."""
    from vardformedling.reference import read_csv

    namn = {row["region_kod"]: row["namn"] for row in read_csv("regioner.csv")}
    return namn.get(region_kod, f"Region {region_kod}")


def genitiv(namn: str) -> str:
    """Swedish genitive: "Region Dalarna" → "Region Dalarnas", "Region 99" → "Region 99:s", "… Hälsingborgs" as is."""
    if namn[-1:].isdigit():
        return f"{namn}:s"
    return namn if namn[-1:].lower() in {"s", "x", "z"} else f"{namn}s"


class NyckelEjTillganglig(KryptoFel):
    """The region's key service cannot be used now: identity cannot be read or written for that region, but
    everything pseudonymous keeps working. `orsak` (an `Orsak`) and `detalj` (a technical sentence without
    secrets, e.g. which token label was missing) are for logs and the management command."""

    def __init__(self, region_kod: str, orsak: Orsak, detalj: str = "") -> None:
        self.region_kod = region_kod
        self.orsak = orsak
        self.detalj = detalj
        super().__init__(
            f"{genitiv(region_namn(region_kod))} nyckeltjänst svarar inte just nu, så patientens "
            "identitetsuppgifter kan inte visas eller sparas. Övriga uppgifter i ärendet fungerar som vanligt. "
            "Försök igen om en stund; kvarstår felet, kontakta regionens IT-stöd."
        )


class OgiltigInslagning(KryptoFel):
    """A wrapped data key could not be unwrapped: damaged, or wrapped for another region."""

    meddelande = (
        "Ärendets krypteringsnyckel kunde inte öppnas: den är skadad eller hör till en annan region. "
        "Patientens identitetsuppgifter kan inte visas."
    )


class EnhetsnyckelSaknas(KryptoFel):
    """A care unit has no key pair yet (or its private key file is gone)."""

    def __init__(self, hsa_id: str) -> None:
        self.hsa_id = hsa_id
        super().__init__(
            f"Vårdenheten {hsa_id} har inga krypteringsnycklar i tjänsten ännu, så remisser till eller från den kan "
            "inte öppnas. Kontakta förvaltningen av Vårdförmedlingstjänsten."
        )


# --- Field encryption ------------------------------------------------------------------------------------------


class DekrypteringMisslyckades(KryptoFel):
    """A ciphertext was altered, or opened with the wrong key or the wrong associated data (e.g. another case)."""

    meddelande = (
        "De krypterade uppgifterna kunde inte öppnas: de har ändrats eller hör inte till det här ärendet. Inget visas."
    )


# --- Envelopes and receipts ------------------------------------------------------------------------------------


class KuvertFel(KryptoFel):
    """Base class for a refused envelope."""


class KuvertManipulerat(KuvertFel):
    """The envelope cannot be read, its signature does not verify, or a document does not match its hash."""

    meddelande = (
        "Remissen avvisades: kuvertet har ändrats under överföringen eller är skadat (signaturen stämmer inte). "
        "Be avsändaren skicka remissen igen."
    )


class KuvertFelAvsandare(KuvertFel):
    """The envelope names another sender than the one whose public key it was checked against."""

    meddelande = (
        "Remissen avvisades: kuvertet är inte signerat av den avsändare som anges. Be avsändaren skicka remissen igen."
    )


class KuvertFelMottagare(KuvertFel):
    """The envelope is encrypted to another unit than the one trying to open it."""

    meddelande = "Remissen är krypterad till en annan vårdenhet och kan inte öppnas här."


class KvittoFel(KryptoFel):
    """Base class for a refused receipt."""


class KvittoOgiltigt(KvittoFel):
    """The receipt cannot be read or its signature does not verify against the receiver's public key."""

    meddelande = (
        "Kvittensen avvisades: den är inte signerad av den mottagande enheten eller har ändrats. Remissen räknas "
        "inte som mottagen."
    )


class KvittoAnnatKuvert(KvittoFel):
    """The receipt is validly signed but acknowledges another envelope."""

    meddelande = "Kvittensen gäller en annan försändelse än den som skickades. Remissen räknas inte som mottagen."
