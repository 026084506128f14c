"""Session lifetime and the active commission (medarbetaruppdrag) for each request."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponseBadRequest

SESSION_STARTED = "vf_session_started"
SESSION_UPPDRAG = "vf_uppdrag_id"


class SessionLifetimeMiddleware:
    """Ends a session 10 hours after sign-in however active it is (idle expiry is SESSION_COOKIE_AGE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED)
            if started is None:
                request.session[SESSION_STARTED] = int(time.time())
            elif time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
        return self.get_response(request)


class ActiveCommissionMiddleware:
    """Sets `request.uppdrag` (and `request.user.uppdrag_aktivt`) from the session; defaults to the first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.uppdrag = None
        user = request.user
        if user.is_authenticated:
            alla = list(user.uppdrag.select_related("region", "vardenhet"))
            chosen = request.session.get(SESSION_UPPDRAG)
            aktivt = next((u for u in alla if u.pk == chosen), alla[0] if alla else None)
            request.uppdrag = aktivt
            user.uppdrag_aktivt = aktivt
            user.uppdrag_alla = alla
        return self.get_response(request)


class RejectNulMiddleware:
    """PostgreSQL text cannot hold NUL: a NUL in the path or query string is a bad request, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in v for _, values in request.GET.lists() for v in values):
            return HttpResponseBadRequest(
                "Adressen innehåller ett ogiltigt tecken.", content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)
