"""The patient's session: distinct from staff sign-in (no portal user, no commission), so no staff page is
reachable with it and no patient page with a staff sign-in.

The session keeps the sealed sign-in (`identitet.Inloggning`: per-region keyed hashes and the identity sealed under
the regions' keys) and when it started; never the personnummer in clear. It ends like a staff session: after
SESSION_COOKIE_AGE idle or SESSION_ABSOLUTE_SECONDS after sign-in.
"""

import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from arenden.services import identitet
from vardformedling.models import Region

SESSION_PATIENT = "vf_patient"
SESSION_OIDC = "vf_patient_oidc"  # the patient's OIDC flow under way (state, nonce, next): patient/oidc.py


@dataclass(frozen=True)
class InloggadPatient:
    inloggning: identitet.Inloggning
    startad: int

    @property
    def hashar(self) -> dict[str, str]:
        return self.inloggning.hashar


def logga_in(request, patient: identitet.Identitet) -> None:
    """Starts a patient session: any staff or earlier patient session in this browser ends first (a new session
    key), then the sign-in is sealed under every region's key service."""
    logout(request)
    inloggning = identitet.forsegla_inloggning(Region.objects.values_list("kod", flat=True), patient)
    request.session[SESSION_PATIENT] = {**inloggning.som_dict(), "startad": int(time.time())}


def avsluta_vid_personalinloggning(sender, request, user, **kwargs) -> None:
    """`user_logged_in`: a staff sign-in in a browser where a patient was signed in (or had started the OIDC flow)
    ends the patient's sign-in. Django's login() keeps the session's data when nobody was signed in, so without this
    the staff member's session carried the patient's sealed sign-in (keyed hashes, sealed identity) on."""
    if request is not None and hasattr(request, "session"):
        for nyckel in (SESSION_PATIENT, SESSION_OIDC):
            request.session.pop(nyckel, None)


def logga_ut(request) -> None:
    logout(request)  # flushes the server-side session


def patient_for(request) -> InloggadPatient | None:
    data = request.session.get(SESSION_PATIENT)
    if not isinstance(data, dict):
        return None
    try:
        patient = InloggadPatient(identitet.Inloggning.fran_dict(data), int(data["startad"]))
    except (KeyError, TypeError, ValueError):
        return None
    if time.time() - patient.startad > settings.SESSION_ABSOLUTE_SECONDS:
        logout(request)
        return None
    return patient


def patient_kravs(view):
    """A patient page: a signed-in patient (`request.patient`), else the patient sign-in with the page to come back
    to. A staff sign-in gets 403: staff do not use the patient's pages. Never cached."""

    @wraps(view)
    def inner(request, *args, **kwargs):
        if request.user.is_authenticated:
            response = render(request, "patient/personal.html", status=403)
        elif (patient := patient_for(request)) is None:
            response = redirect_to_login(request.get_full_path(), reverse("patient:logga_in"))
        else:
            request.patient = patient
            response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    inner.__dict__["kraver_patient"] = True  # tests/security/test_routes.py checks it
    return inner
