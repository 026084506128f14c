"""The notices pages: the header list (fetched by htmx after the page, so no page pays its queries), all notices,
and marking them read per user."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from vardformedling import notiser
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment
from vardformedling.indata import heltal

I_MENYN = 5
NOTIS_SAKNAS = "Notisen finns inte. Ingen notis markerades som läst."


@require_safe
@require_perm("notiser.visa")
def lista(request: HttpRequest) -> HttpResponse:
    alla = list(notiser.for_anvandare(request.user, getattr(request, "uppdrag", None))[:200])
    context = {
        "notiser": alla,
        "olasta": sum(not n.last for n in alla),
        "meny": [n for n in alla if not n.last][:I_MENYN],
    }
    return render_page_or_fragment(
        request, "vardformedling/notiser.html", context, fragment="meny", target="notiser-meny"
    )


@require_POST
@require_perm("notiser.visa")
def markera_last(request: HttpRequest) -> HttpResponse:
    notis_id = heltal(request.POST.get("notis"))  # isdigit() accepts "²", which int() refuses (a 500)
    if "notis" in request.POST and notis_id is None:
        # One notice was meant: a value that names none marks nothing (it marked every notice read).
        messages.error(request, NOTIS_SAKNAS)
    else:
        notiser.markera_last(request.user, getattr(request, "uppdrag", None), notis_id=notis_id)
    nasta = request.POST.get("next") or ""
    # Only a path on this site: redirect() takes "1" or "arenden:lista" for a view name (NoReverseMatch, a 500).
    if not nasta.startswith("/") or not url_has_allowed_host_and_scheme(
        nasta, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        nasta = reverse("notiser")
    return redirect(nasta)
