"""A new offer (pre-filled from the provider search) and the printable offer letter."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from arenden import services
from arenden.access import _get_arende_for_user, logga
from arenden.forms import ErbjudandeForm
from arenden.models import Erbjudande, Status
from arenden.services import identitet
from arenden.views.arende import ANDRAT, add_errors, sok_url
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm
from vardformedling.indata import heltal

INTE_I_STEG_2 = "Erbjudanden kan bara lämnas när ärendet är i steg 2, Hitta vårdgivare."


@never_cache
@require_perm("arenden.registrera")
def erbjudande_nytt(request: BehorigRequest, case_id: str) -> HttpResponse:
    arende = _get_arende_for_user(request, case_id)
    if request.method == "POST":
        form = ErbjudandeForm(request.POST, arende=arende)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.erbjudande_lamna(arende=arende, anvandare=request.user, uppdrag=request.uppdrag, **data)
            except ValidationError as exc:
                if getattr(exc, "code", None) == ANDRAT:
                    messages.warning(request, exc.messages[0])
                    return redirect("arenden:arende", case_id=arende.case_id)
                add_errors(form, exc)
            else:
                messages.success(request, "Erbjudandet är registrerat. Skriv ut erbjudandebrevet vid behov.")
                return redirect("arenden:arende", case_id=arende.case_id)
    else:
        initial = {"version": arende.version, "vardenhet": request.GET.get("vardenhet", "")}
        if (rad := heltal(request.GET.get("rad"))) is not None:
            initial["avtalsrad"] = rad
        form = ErbjudandeForm(initial=initial, arende=arende)
    logga(request, [arende], "nytt erbjudande")
    return render(
        request,
        "arenden/erbjudande_nytt.html",
        {
            "arende": arende,
            "patient": identitet.visa_en(request, arende, "nytt erbjudande"),
            "form": form,
            "sok_url": sok_url(arende),
            "fel_steg": INTE_I_STEG_2 if arende.status != Status.HITTA_VARDGIVARE else "",
        },
        status=422 if form.errors else 200,
    )


@never_cache
@require_safe
@require_perm("arenden.registrera")
def erbjudande_brev(request: BehorigRequest, case_id: str, pk: int) -> HttpResponse:
    arende = _get_arende_for_user(request, case_id)
    erbjudande = get_object_or_404(
        Erbjudande.objects.select_related("vardenhet", "avtalsrad__avtal"), pk=pk, arende=arende
    )
    logga(request, [arende], "erbjudandebrev")
    patient = identitet.visa_en(request, arende, "erbjudandebrev")
    # Issue 18 point 6: the letter lists every open offer of the case (the patient chooses one), or this offer alone
    # when it is no longer open (a copy of an answered offer).
    oppna = list(
        arende.erbjudanden.filter(status=Erbjudande.Status.LAMNAT)
        .select_related("vardenhet")
        .order_by("forvantat_datum", "id")
    )
    erbjudanden = oppna if erbjudande in oppna else [erbjudande]
    garanti = arende.vardgaranti_datum
    for e in erbjudanden:
        e.efter_garanti = e.forvantat_datum is not None and e.forvantat_datum > garanti
    ctx = {
        "arende": arende,
        "patient": patient,
        "erbjudande": erbjudande,
        "erbjudanden": erbjudanden,
        "svarsfrist": min(e.svarsfrist for e in erbjudanden),
        "avsandare": request.uppdrag,
        "idag": timezone.localdate(),
        "adressrader": adressrader(patient.identitet.kontaktuppgifter if patient.identitet else ""),
        "telefon": arende.region.vardformedling_telefon,
        "vardtjanst": (arende.kva.benamning or arende.kva_id).lower(),
        # The letter's wording follows the dates, so it never promises care by the guarantee date and a later one:
        # "no provider before the date" only when every offered date is after it; else a note at each later unit.
        "efter_garanti": all(e.efter_garanti for e in erbjudanden),
    }
    return render(request, "arenden/brev.html", ctx)


_TELEFON = re.compile(r"^(tel(efon)?\.?:?\s*)?\+?[\d\s()-]{6,}$", re.IGNORECASE)


def adressrader(kontaktuppgifter: str) -> list[str]:
    """The postal address lines of the patient's contact details ("Storgatan 1, 791 71 Falun" → two lines); a phone
    number or e-mail address is not an address and is left out."""
    delar = [d.strip() for d in re.split(r"[\n,;]+", kontaktuppgifter or "") if d.strip()]
    return [d for d in delar if not _TELEFON.match(d) and "@" not in d]
