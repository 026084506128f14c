"""Patient sign-in against a real e-legitimation IdP (AUTH_MODE=oidc): the authorization-code flow with state and
nonce, the ID token verified by mozilla-django-oidc's backend under the PATIENT_OIDC_* settings, its claims mapped
by `inloggning.identitet_fran_claims`. No portal user is created: the patient's session is `session.logga_in`."""

import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from patient import inloggning
from patient.session import SESSION_OIDC, logga_in

MISSLYCKADES = "Inloggningen med e-legitimation misslyckades. Försök igen."


class PatientOIDC(OIDCAuthenticationBackend):
    """Token exchange and ID-token verification of mozilla-django-oidc, configured by `PATIENT_OIDC_*` (the
    e-legitimation IdP), not by the staff's SITHS settings."""

    @staticmethod
    def get_settings(attr, *args):
        return import_from_settings(f"PATIENT_{attr}", *args)


# patient/urls.py registers these with AUTH_MODE=oidc; the callback is also the one registered at the IdP.
OIDC_START = "/patient/oidc/logga-in/"
OIDC_SVAR = "/patient/oidc/svar/"


def _redirect_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(OIDC_SVAR)


@never_cache
@require_GET
def starta(request: HttpRequest) -> HttpResponse:
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    request.session[SESSION_OIDC] = {"state": state, "nonce": nonce, "next": request.GET.get("next", "")}
    fraga = urlencode(
        {
            "response_type": "code",
            "client_id": settings.PATIENT_OIDC_RP_CLIENT_ID,
            "redirect_uri": _redirect_uri(request),
            "scope": settings.PATIENT_OIDC_RP_SCOPES,
            "state": state,
            "nonce": nonce,
        }
    )
    return redirect(f"{settings.PATIENT_OIDC_OP_AUTHORIZATION_ENDPOINT}?{fraga}")


def verifierade_claims(request: HttpRequest, *, backend: OIDCAuthenticationBackend | None = None) -> dict:
    """The ID token's claims for this callback: state matches the session's, the code is exchanged, the token's
    signature, nonce, issuer (PATIENT_OIDC_OP_ISSUER), audience and expiry are checked. SuspiciousOperation for
    anything else."""
    vantat = request.session.pop(SESSION_OIDC, None) or {}
    if not vantat.get("state") or request.GET.get("state") != vantat["state"] or not request.GET.get("code"):
        raise SuspiciousOperation("OIDC state saknas eller stämmer inte.")
    backend = backend or PatientOIDC()
    token = backend.get_token(
        {
            "client_id": settings.PATIENT_OIDC_RP_CLIENT_ID,
            "client_secret": settings.PATIENT_OIDC_RP_CLIENT_SECRET,
            "grant_type": "authorization_code",
            "code": request.GET["code"],
            "redirect_uri": _redirect_uri(request),
        }
    )
    claims = backend.verify_token(token.get("id_token", ""), nonce=vantat["nonce"])
    if not settings.PATIENT_OIDC_OP_ISSUER or claims.get("iss") != settings.PATIENT_OIDC_OP_ISSUER:
        raise SuspiciousOperation("ID-token från en annan utfärdare (eller PATIENT_OIDC_OP_ISSUER saknas).")
    aud = claims.get("aud")
    if settings.PATIENT_OIDC_RP_CLIENT_ID not in (aud if isinstance(aud, list) else [aud]):
        raise SuspiciousOperation("ID-token för en annan klient.")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] < time.time():
        raise SuspiciousOperation("ID-token har gått ut.")
    claims["_next"] = vantat.get("next", "")
    return claims


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    from patient.views import _nasta

    try:
        claims = verifierade_claims(request)
        patient = inloggning.identitet_fran_claims(claims)
    except ValidationError as exc:
        fel = " ".join(exc.messages)
    except Exception:  # a failed exchange or verification: nobody is signed in, and the reason is not shown
        fel = MISSLYCKADES
    else:
        logga_in(request, patient)
        return redirect(_nasta(request, claims["_next"]))
    ctx = {"patienter": [], "stub": False, "oidc": True, "oidc_url": OIDC_START, "fel": fel, "next": ""}
    return render(request, "patient/logga_in.html", ctx, status=400)
