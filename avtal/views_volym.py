"""Reporting volume used outside the portal: the form on the agreement page (HTMX) and the file upload.

The form answers its part of the agreement page: 422 with the messages beside the fields, or the updated figures.
The upload checks the whole file first (422 with every error, nothing written), shows a preview and writes on
confirm; the checked file waits in the cache under a token for an hour."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from avtal.models import Avtal
from avtal.services import volym_rapportera
from avtal.views import detalj_context
from avtal.volym import FILKOLUMNER, RapportForm, VolymImportor, far_rapportera
from vardformedling import format as fmt
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment
from vardformedling.importering import forhandsvisning

FIL_BORTA = "Den kontrollerade filen finns inte längre (den sparas en timme). Ladda upp den igen."
TOKEN_TID = 3600


def _uppdragsnamn(request) -> str:
    u = getattr(request, "uppdrag", None)
    return (u.namn or u.get_roll_display()) if u else ""


@require_POST
@require_perm("avtal.rapportera_volym")
def rapportera(request: BehorigRequest, pk: int) -> HttpResponse:
    avtal = get_object_or_404(Avtal, pk=pk)
    if not far_rapportera(getattr(request, "uppdrag", None), avtal):
        raise PermissionDenied
    form = RapportForm(request.POST, avtal=avtal)
    status = 422
    if form.is_valid():
        d = form.cleaned_data
        _rapport, skapad = volym_rapportera(
            rad=d["rad"], region=d["region"], manad=d["manad"], antal=d["antal"], kommentar=d["kommentar"],
            anvandare=request.user, uppdrag=_uppdragsnamn(request),
        )  # fmt: skip
        kvitto = (
            f"Volym {'registrerad' if skapad else 'ändrad'}: {fmt.antal(d['antal'])} patienter från "
            f"{d['region'].namn} {fmt.datum(d['manad'])[:7]}, KVÅ-grupp {d['rad'].kva_id}."
        )
        if not request.htmx:
            messages.success(request, kvitto)
            return redirect(reverse("avtal:detalj", args=[avtal.avtal_id]) + f"?agare={avtal.avtalsagare_id}")
        status = 200
    # After a save the page shows a fresh form (None: detalj_context makes one).
    context = detalj_context(request, avtal.pk, form=None if status == 200 else form)
    if status == 200:
        context["kvitto"] = kvitto
    return render_page_or_fragment(request, "avtal/detalj.html", context, fragment="volym", status=status)


def _token_nyckel(request, token: str) -> str:
    return f"avtal:volymfil:{request.user.pk}:{token}"


@require_http_methods(["GET", "POST"])
@require_perm("avtal.rapportera_volym")
def uppladdning(request: BehorigRequest) -> HttpResponse:
    fel: list[str] = []
    plan = None
    token = ""
    if request.method == "POST":
        fel, plan, token = forhandsvisning.ta_emot(
            request,
            importor=lambda namn: VolymImportor(request.uppdrag, fil=namn, anvandare=request.user),
            nyckel=lambda t: _token_nyckel(request, t),
            tid=TOKEN_TID,
        )
    context = {
        "fel": fel,
        "plan": plan,
        "token": token,
        "kolumner": FILKOLUMNER,
    }
    return render(request, "avtal/volym_uppladdning.html", context, status=422 if fel else 200)


@require_POST
@require_perm("avtal.rapportera_volym")
def uppladdning_bekrafta(request: BehorigRequest) -> HttpResponse:
    fel, antal = forhandsvisning.bekrafta(
        request,
        importor=lambda namn: VolymImportor(request.uppdrag, fil=namn, anvandare=request.user),
        nyckel=lambda t: _token_nyckel(request, t),
        borta=FIL_BORTA,
    )
    if antal is None:  # the file is gone, or the database changed since the preview (a line removed, a right withdrawn)
        return render(request, "avtal/volym_uppladdning.html", {"fel": fel, "kolumner": FILKOLUMNER}, status=422)
    messages.success(
        request, f"Volymfilen är inläst: {fmt.antal(antal['nya'])} nya och {fmt.antal(antal['andrade'])} ändrade rader."
    )
    return redirect("avtal:volym_uppladdning")
