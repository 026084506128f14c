"""Session lifetime and saving, and the active commission (medarbetaruppdrag) for each request."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.messages import get_messages
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers

SESSION_STARTED = "vf_session_started"
SESSION_UPPDRAG = "vf_uppdrag_id"
SESSION_FORNYAD = "vf_session_fornyad"  # when the idle expiry was last pushed forward (epoch seconds)


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a session nothing changed is saved (its idle expiry pushed forward) at most once per
    `SESSION_FORNYA_SEKUNDER`, not on every request: that save was an UPDATE and a COMMIT on every page, up to 6 ms
    of a search (issue 15 point 8). Idle expiry so counts from the last request to within that many seconds
    (never later than SESSION_COOKIE_AGE after it)."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and not session.modified and not session.is_empty():
            fornyad = session.get(SESSION_FORNYAD)
            if fornyad is not None and 0 <= time.time() - fornyad < settings.SESSION_FORNYA_SEKUNDER:
                patch_vary_headers(response, ("Cookie",))
                return response
        if session is not None and not session.is_empty():
            session[SESSION_FORNYAD] = int(time.time())
        return super().process_response(request, response)


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


class HtmxMessagesMiddleware:
    """Messages belong to the response that created them, with htmx too.

    An htmx action (any method but GET/HEAD) answers a fragment, so the messages region above it would keep the
    previous response's message: this appends the region out of band (`hx-swap-oob`) with the pending messages, or
    empty, to every htmx HTML answer that does not already carry it (a whole page carries it, marked out of band by
    `request.meddelanden_oob`). An htmx GET (a filter, a poll) sends the region only when it has messages to show, so
    a poll never wipes the message of the action that started it. Sits after MessageMiddleware and HtmxMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        htmx = getattr(request, "htmx", None)
        action = htmx is not None and bool(htmx) and not htmx.boosted and request.method not in ("GET", "HEAD")
        request.meddelanden_oob = action
        response = self.get_response(request)
        swapped = response.status_code in (409, 422) or (
            200 <= response.status_code < 300 and response.status_code != 204
        )
        if not htmx or htmx.boosted or response.streaming or not swapped or "HX-Redirect" in response:
            return response
        if not response.get("Content-Type", "").startswith("text/html") or b'id="meddelanden"' in response.content:
            return response
        pending = list(get_messages(request))
        if not pending and not action:
            return response
        html = render_to_string("vardformedling/_meddelanden.html", {"messages": pending, "oob": True}, request)
        response.content = response.content + html.encode()
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
