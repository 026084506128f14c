"""How a patient signs in: the e-legitimation stub (demo patients, where the SITHS stub is allowed) and the OIDC
mapping of a real identity provider's claims, both ending in `session.logga_in` with an `Identitet`.

The stub obeys the SITHS stub's rule (`vardformedling.auth.stub_tillaten`): AUTH_MODE=stub and DEBUG on or
SITHS_STUB_ALLOWED=1. With AUTH_MODE=oidc the patient signs in at the e-legitimation IdP (PATIENT_OIDC_* settings);
its ID token must carry the personnummer claim (the Swedish OIDC profile's `personalIdentityNumber` by default).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from arenden.services.identitet import Identitet
from vardformedling import personnummer as pnr
from vardformedling.indata import heltal


@dataclass(frozen=True)
class DemoPatient:
    nyckel: str  # what the stub's form posts: never the personnummer
    namn: str
    personnummer: str  # Skatteverket's test series only


# Test personnummer (Skatteverket's test series), each with a case load_demo gives an open digital offer or a
# confirmation (patient/demo.py). README lists them beside the staff identities.
DEMO_PATIENTER = [
    DemoPatient("tolvan", "Tolvan Tolvansson", "191212121212"),
    DemoPatient("tio", "Tio Tiosson", "191010101010"),
]
DEMO_PER_NYCKEL = {p.nyckel: p for p in DEMO_PATIENTER}

CLAIM_PERSONNUMMER_STANDARD = "https://id.oidc.se/claim/personalIdentityNumber"
OIDC_SAKNAR_PNR = "Inloggningen gav inget giltigt personnummer. Försök igen, eller ring 1177."


# seed_scale's bulk patients (`pnr.skalnummer`): the load test signs them in with the key `skala-<nr>` (never the
# number itself), under the same rule as the demo patients; they are not listed on the sign-in page.
SKALA_PREFIX = "skala-"
SKALA_MAX = 2_000_000  # skalnummer is unique below this


def demopatient(nyckel: str) -> DemoPatient | None:
    nyckel = (nyckel or "").strip()
    if nyckel.startswith(SKALA_PREFIX):
        # heltal, not isdigit(): "skala-²" (and 5,000 digits) passed isdigit() and int() raised (a 500).
        nr = heltal(nyckel[len(SKALA_PREFIX) :])
        return (
            DemoPatient(nyckel, f"Skalpatient {nr}", pnr.skalnummer(nr)) if nr is not None and nr < SKALA_MAX else None
        )
    return DEMO_PER_NYCKEL.get(nyckel)


def identitet_fran_claims(claims: dict) -> Identitet:
    """The patient's identity from the IdP's verified claims: the personnummer claim (setting
    PATIENT_OIDC_CLAIM_PERSONNUMMER) normalised to 12 digits, and the name (`name`, else given + family name).
    A missing or invalid number raises ValidationError with a Swedish message; nobody is signed in."""
    claim = getattr(settings, "PATIENT_OIDC_CLAIM_PERSONNUMMER", CLAIM_PERSONNUMMER_STANDARD)
    varde = claims.get(claim)
    if not isinstance(varde, str) or not varde.strip():
        raise ValidationError(OIDC_SAKNAR_PNR, code="saknas")
    try:
        nummer = pnr.normalise(varde)
    except ValidationError as exc:
        raise ValidationError(OIDC_SAKNAR_PNR, code="ogiltigt") from exc
    namn = claims.get("name") or " ".join(
        str(claims.get(k) or "").strip() for k in ("given_name", "family_name") if claims.get(k)
    )
    return Identitet(personnummer=nummer, namn=str(namn or "")[:200])
