"""Upload of agreement files: form → errors or preview → confirm (or cancel) → applied. Large files run in Celery.

Plain HTML forms (the status panel polls with HTMX): a missing file answers 422 with the page and its message, a
rejected file redirects to its record with every error, so messages show the same with JavaScript on or off."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from avtal import tasks
from avtal.models import AvtalsUppladdning, Uppladdningsstatus
from avtal.uppladdning import (
    ar_stor,
    uppladdning_avbryt,
    uppladdning_paborja,
    uppladdning_skapa,
    uppladdning_tillampa,
    uppladdning_validera,
)
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment
from vardformedling.importering.forhandsvisning import FIL_SAKNAS

UNPROCESSABLE = 422


def _get_uppladdning_for_user(request: HttpRequest, pk: int) -> AvtalsUppladdning:
    # Administrators manage all uploads; uploads hold no patient data.
    return get_object_or_404(AvtalsUppladdning.objects.select_related("anvandare").defer("innehall"), pk=pk)


@require_perm("avtal.ladda_upp")
@require_http_methods(["GET", "POST"])
def uppladdning(request: HttpRequest) -> HttpResponse:
    fel: list[str] = []
    if request.method == "POST":
        fil = request.FILES.get("fil")
        if fil is None:
            fel = [FIL_SAKNAS]
        elif (fil.size or 0) > settings.UPLOAD_MAX_BYTES:
            u = uppladdning_skapa(
                filnamn=fil.name or "", innehall=fil.read(settings.UPLOAD_MAX_BYTES + 1), anvandare=request.user
            )
            return redirect("avtal:uppladdning_visa", pk=u.pk)
        else:
            u = uppladdning_skapa(filnamn=fil.name or "", innehall=fil.read(), anvandare=request.user)
            if u.status == Uppladdningsstatus.MOTTAGEN:
                if ar_stor(u):
                    transaction.on_commit(lambda: tasks.validera_uppladdning.delay(u.pk))
                else:
                    uppladdning_validera(uppladdning_id=u.pk)
            return redirect("avtal:uppladdning_visa", pk=u.pk)
    senaste = AvtalsUppladdning.objects.select_related("anvandare").defer("innehall", "forhandsvisning", "fel")[:10]
    return render(
        request,
        "avtal/uppladdning.html",
        {"fel": fel, "senaste": senaste, "max_mb": settings.UPLOAD_MAX_BYTES // 1_048_576},
        status=UNPROCESSABLE if fel else 200,
    )


@require_safe
@require_perm("avtal.ladda_upp")
def uppladdning_visa(request: HttpRequest, pk: int) -> HttpResponse:
    u = _get_uppladdning_for_user(request, pk)
    context = {"u": u, "max_mb": settings.UPLOAD_MAX_BYTES // 1_048_576}
    return render_page_or_fragment(request, "avtal/uppladdning_visa.html", context, fragment="status")


@require_perm("avtal.ladda_upp")
@require_POST
def uppladdning_bekrafta(request: HttpRequest, pk: int) -> HttpResponse:
    u = _get_uppladdning_for_user(request, pk)
    try:
        uppladdning_paborja(uppladdning_id=u.pk)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("avtal:uppladdning_visa", pk=u.pk)
    if ar_stor(u):
        transaction.on_commit(lambda: tasks.tillampa_uppladdning.delay(u.pk))
        messages.info(request, "Avtalsfilen tillämpas i bakgrunden. Du kan fortsätta arbeta under tiden.")
    else:
        u = uppladdning_tillampa(uppladdning_id=u.pk)
        if u.status == Uppladdningsstatus.TILLAMPAD:
            messages.success(request, f"Avtalsfilen {u.filnamn} är tillämpad.")
    return redirect("avtal:uppladdning_visa", pk=u.pk)


@require_perm("avtal.ladda_upp")
@require_POST
def uppladdning_avbryt_view(request: HttpRequest, pk: int) -> HttpResponse:
    u = _get_uppladdning_for_user(request, pk)
    try:
        uppladdning_avbryt(uppladdning_id=u.pk)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("avtal:uppladdning_visa", pk=u.pk)
    messages.info(request, f"Uppladdningen av {u.filnamn} är avbruten; ingenting har ändrats.")
    return redirect("avtal:uppladdning")
