"""Staff pages of the patient channel: a printable message (confirmation) and the region's patient texts."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from arenden.access import _get_arende_for_user, ar_mottagare, logga
from arenden.models import Meddelandetyp, PatientMeddelande
from arenden.patientkanal import mallar
from arenden.patientkanal.forms import TYPER, PatientmallarForm
from arenden.services import patientkanal
from arenden.views.arende import add_errors
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm


@never_cache
@require_safe
@require_perm("arenden.visa")
def meddelande_utskrift(request: BehorigRequest, case_id: str, pk: int) -> HttpResponse:
    """A message to the patient as a printable letter. A receiving unit sees only the confirmations."""
    arende = _get_arende_for_user(request, case_id)
    qs = PatientMeddelande.objects.filter(arende=arende)
    if ar_mottagare(request):
        qs = qs.exclude(typ=Meddelandetyp.ERBJUDANDE)
    meddelande = get_object_or_404(qs, pk=pk)
    logga(request, [arende], "patientmeddelande")
    return render(request, "arenden/patientmeddelande.html", {"arende": arende, "meddelande": meddelande})


@never_cache
@require_perm("arenden.patientmallar")
def patientmallar(request: BehorigRequest) -> HttpResponse:
    """The coordinator's region's settings and confirmation templates, with a preview of each."""
    region = request.uppdrag.region
    if region is None:
        raise PermissionDenied
    inst = patientkanal.installning(region.kod)
    initial = {"post_efter_dagar": inst.post_efter_dagar, "kontakt": inst.kontakt, "reseregler": inst.reseregler}
    for typ in TYPER:
        initial[f"{typ}_rubrik"], initial[f"{typ}_text"] = patientkanal.mall_for(region.kod, typ)
    if request.method == "POST":
        form = PatientmallarForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                patientkanal.patientmallar_spara(
                    region_kod=region.kod, anvandare=request.user, post_efter_dagar=d["post_efter_dagar"],
                    kontakt=d["kontakt"], reseregler=d["reseregler"], mallar_text=form.mallar_text(),
                )  # fmt: skip
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Patienttexterna är sparade.")
                return redirect("arenden:patientmallar")
    else:
        form = PatientmallarForm(initial=initial)
    # The preview shows what is saved (what patients get now).
    exempel = patientkanal.exempelvarden(region)
    forhandsvisning = []
    for typ in TYPER:
        rubrik, text = patientkanal.mall_for(region.kod, typ)
        forhandsvisning.append(
            (Meddelandetyp(typ).label, mallar.rendera_rubrik(rubrik, exempel), mallar.rendera(text, exempel))
        )
    return render(
        request,
        "arenden/patientmallar.html",
        {
            "form": form,
            "region": region,
            "platshallare": mallar.PLATSHALLARE,
            "forhandsvisning": forhandsvisning,
        },
        status=422 if form.errors else 200,
    )
