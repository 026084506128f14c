"""Login stub, commission switching, start page, health check and error pages."""

import sys
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from vardformedling import start
from vardformedling.anrop import InloggadRequest
from vardformedling.auth import stub_tillaten
from vardformedling.dbfel import databasen_nas_inte
from vardformedling.indata import heltal
from vardformedling.middleware import SESSION_STARTED, SESSION_UPPDRAG
from vardformedling.models import Roll, User
from vardformedling.rules import active_role

DEMO_HSA_IDS = [
    "SE2321000180-VL01",
    "SE2321000057-KO01",
    "SE2321000016-AD01",
    "SE5560000001-MO01",
    "SE2321000206-VL02",
    "SE2321000206-KO02",
    "SE2321000180-KO02",
]

HSA_ID_MAX = cast(int, User._meta.get_field("hsa_id").max_length)  # a CharField: always set

STEG = [
    (
        1,
        "Behov av vårdförmedling",
        "Patienten riskerar att passera vårdgarantin. Registrera ärendet och bedöm.",
    ),
    (2, "Hitta vårdgivare", "Sök vårdenheter med kortare väntetid och avtal, lämna erbjudanden."),
    (3, "Förmedla patient", "Skicka remiss och underlag, ordna resa, invänta remissbekräftelse."),
    (4, "Utföra vårdtjänst", "Mottagande enhet bokar och utför vården, återremitterar."),
    (5, "Uppföljning och betalning", "Fakturera, ersätt resor, följ upp och avsluta ärendet."),
]
STEG_MOTTAGARE = {3, 4, 5}


def _safe_next(request: HttpRequest, value: str | None) -> str:
    """A path on this site to go on to; anything else (other hosts, view names like "abc") goes to the start page."""
    if (
        value
        and value.startswith("/")
        and url_has_allowed_host_and_scheme(value, {request.get_host()}, request.is_secure())
    ):
        return value
    return settings.LOGIN_REDIRECT_URL


@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    error = None
    if request.method == "POST" and stub_tillaten():
        hsa_id = (request.POST.get("hsa_id") or "").strip()
        # No HSA-id holds NUL or is longer than the column: such input is refused before it reaches the database
        # (the login throttle stores the HSA-id of every failed attempt, which would fail with a 500).
        giltigt = "\x00" not in hsa_id and len(hsa_id) <= HSA_ID_MAX
        user = authenticate(request, hsa_id=hsa_id) if giltigt else None
        if user is not None:
            login(request, user, backend="vardformedling.auth.SithsStubBackend")
            request.session[SESSION_STARTED] = int(__import__("time").time())
            return redirect(_safe_next(request, next_url))
        error = "Inloggningen misslyckades: okänt eller spärrat HSA-id. Välj ett av korten nedan."
    identities = []
    if stub_tillaten():
        users = User.objects.filter(hsa_id__in=DEMO_HSA_IDS, is_active=True).prefetch_related(
            "uppdrag__region", "uppdrag__vardenhet"
        )
        by_id = {u.hsa_id: u for u in users}
        identities = [by_id[h] for h in DEMO_HSA_IDS if h in by_id]
    status = 400 if error else 200
    return render(
        request,
        "registration/login.html",
        {"identities": identities, "error": error, "next": next_url, "auth_mode": settings.AUTH_MODE},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)  # flushes the server-side session
    messages.info(request, "Du är utloggad.")
    return redirect("login")


@login_required
@require_POST
def byt_uppdrag(request: InloggadRequest) -> HttpResponse:
    wanted = heltal(request.POST.get("uppdrag"))
    if wanted and request.user.uppdrag.filter(pk=wanted).exists():
        request.session[SESSION_UPPDRAG] = wanted
        messages.success(request, "Aktivt medarbetaruppdrag bytt.")
    else:
        messages.error(request, "Uppdraget finns inte bland dina medarbetaruppdrag.")
    return redirect(_safe_next(request, request.POST.get("next")))


@login_required
@require_GET
def start_view(request: HttpRequest) -> HttpResponse:
    steg = STEG
    if active_role(request.user) == Roll.MOTTAGARE:
        steg = [s for s in STEG if s[0] in STEG_MOTTAGARE]  # the steps a receiving unit takes part in
    return render(
        request,
        "vardformedling/start.html",
        {"steg": steg, "paneler": start.panels_for(request)},
    )


@login_required
@require_GET
def hjalp_view(request: HttpRequest) -> HttpResponse:
    """Help and glossary: the portal's terms, one anchor each (#kva, #asa, #vardgaranti, #planerat-datum, #vikter)."""
    return render(request, "vardformedling/hjalp.html", {"steg": STEG})


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico by themselves: answer with the portal's icon instead of a 404."""
    return redirect(static("favicon.svg"), permanent=True)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return HttpResponse("databasen svarar inte", status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    if databasen_nas_inte(sys.exc_info()[1]):  # the database is down or restarting
        return databasen_svarar_inte()
    return render(request, "500.html", status=500)


def databasen_svarar_inte() -> HttpResponse:
    """503 in Swedish for a request the database could not answer. Rendered without the request: the context
    processors would ask the database for the signed-in user again, and a failing error page ends as the web
    server's bare English "Internal Server Error". The session is left as it is, so it works again afterwards."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    return response
