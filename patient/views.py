"""The patient's pages (/patient/): sign-in, my cases, one case ("Var är jag?" and the offers), the answer, and
the request to be contacted about care elsewhere. Thin views: reads in arenden.api (arenden/patient.py), writes in
arenden.services.patientsvar; the patient's session in patient/session.py."""

import hashlib
import time

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arenden.api import Arende, Meddelandetyp, Status, meddelanden_for, patientlage
from arenden.services.patientsvar import RedanArende, patient_kontaktforfragan, patient_svara
from katalog import api as katalog_api
from patient import inloggning
from patient.forms import KontaktForm, NejForm
from patient.oidc import OIDC_START
from patient.session import InloggadPatient, logga_in, logga_ut, patient_for, patient_kravs
from vardformedling import referensdata
from vardformedling.auth import stub_tillaten
from vardformedling.htmx import HtmxHttpRequest
from vardformedling.models import Region

FOR_MANGA_KONTAKT = (
    "Du har skickat många frågor den senaste timmen. Försök igen om en stund, eller ring vårdförmedlingen i din "
    "region eller 1177."
)
OKAND_PATIENT = "Inloggningen misslyckades. Välj en av personerna i listan."
INLOGGAD = "Du är inloggad."


class PatientRequest(HtmxHttpRequest):
    """A request to a view behind `patient_kravs`: a signed-in patient."""

    patient: InloggadPatient


def _nasta(request: HttpRequest, varde: str | None) -> str:
    """A patient page to go on to after sign-in; anything else goes to the patient's start page."""
    start = reverse("patient:start")
    if (
        varde
        and varde.startswith(start)
        and url_has_allowed_host_and_scheme(varde, {request.get_host()}, request.is_secure())
    ):
        return varde
    return start


@never_cache
@require_http_methods(["GET", "POST"])
def logga_in_vy(request: HttpRequest) -> HttpResponse:
    nasta = request.POST.get("next") or request.GET.get("next") or ""
    fel = ""
    if request.method == "POST" and stub_tillaten():
        demo = inloggning.demopatient(request.POST.get("patient", ""))
        if demo is not None:
            logga_in(request, inloggning.Identitet(demo.personnummer, demo.namn))
            messages.success(request, INLOGGAD)
            return redirect(_nasta(request, nasta))
        fel = OKAND_PATIENT
    elif request.method == "POST":
        fel = "Logga in med e-legitimation via knappen nedan."
    return render(
        request,
        "patient/logga_in.html",
        {
            "patienter": inloggning.DEMO_PATIENTER if stub_tillaten() else [],
            "stub": stub_tillaten(),
            "oidc": settings.AUTH_MODE == "oidc",
            "oidc_url": OIDC_START,
            "fel": fel,
            "next": nasta,
            "inloggad": patient_for(request) is not None,
        },
        status=400 if fel else 200,
    )


@require_POST
def logga_ut_vy(request: HttpRequest) -> HttpResponse:
    logga_ut(request)
    messages.info(request, "Du är utloggad.")
    return redirect("patient:logga_in")


@require_GET
@patient_kravs
def start(request: PatientRequest) -> HttpResponse:
    hashar = request.patient.hashar
    arenden = [
        a
        for a in patientlage.patientens_arenden(hashar).select_related("kva", "region")[:50]
        if patientlage.ar_patientens(hashar, a)
    ]
    oppna = patientlage.antal_oppna_erbjudanden(arenden)
    rader = [
        {
            "arende": a,
            "steg": patientlage.STEG_PATIENT[a.steg][0],
            "oppna": oppna.get(a.pk, 0),
        }
        for a in arenden
    ]
    patientlage.logga(request, arenden, patientlage.LOGG_START)
    return render(request, "patient/start.html", {"rader": rader})


def _arende_sida(request: PatientRequest, arende: Arende, *, nej_form=None, fel: str = "", status: int = 200):
    erbjudanden = patientlage.oppna_erbjudanden(arende)
    telefon = arende.region.vardformedling_telefon
    meddelanden = meddelanden_for(arende=arende)  # confirmations and offers sent (arenden.patientkanal)
    if not erbjudanden:  # an offer message once answered would read as if an answer were still due
        meddelanden = [m for m in meddelanden if m.typ != Meddelandetyp.ERBJUDANDE]
    patientlage.logga(request, [arende], patientlage.LOGG_ARENDE)
    return render(
        request,
        "patient/arende.html",
        {
            "arende": arende,
            "steg": patientlage.steg_for(arende),
            "forvantat": patientlage.forvantat_datum(arende),
            "gora": patientlage.vad_kan_jag_gora(arende, [e.erbjudande for e in erbjudanden]),
            "erbjudanden": erbjudanden,
            "nej_form": nej_form or NejForm(),
            "fel": fel,
            "telefon": telefon,
            "kontaktperson": arende.handlaggare.namn if arende.handlaggare is not None else "",
            "meddelanden": meddelanden,
            "garanti_bevakas": arende.vardgaranti_bevakas,
        },
        status=status,
    )


@require_GET
@patient_kravs
def arende(request: PatientRequest, case_id: str) -> HttpResponse:
    return _arende_sida(request, patientlage.patientens_arende(request.patient.hashar, case_id))


@require_POST
@patient_kravs
def svara(request: PatientRequest, case_id: str) -> HttpResponse:
    """Yes to one offer (`erbjudande`) or no to all (`svar=nej`, optional `avbojt_orsak`). A form error answers 422
    with the case page and the message; an answer no longer possible (answered elsewhere, withdrawn, the page was
    old) answers 409 with the case as it now stands."""
    a = patientlage.patientens_arende(request.patient.hashar, case_id)
    nej_form = NejForm(request.POST) if request.POST.get("svar") == "nej" else None
    erbjudande_pk = None
    if nej_form is None:
        try:
            erbjudande_pk = int(request.POST.get("erbjudande", ""))
        except ValueError:
            return _arende_sida(request, a, fel="Välj ett av erbjudandena, eller svara nej till alla.", status=422)
    elif not nej_form.is_valid():
        return _arende_sida(request, a, nej_form=nej_form, fel="Välj en orsak i listan.", status=422)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        patient_svara(
            arende=a,
            erbjudande_pk=erbjudande_pk,
            avbojt_orsak=nej_form.cleaned_data["avbojt_orsak"] if nej_form is not None else "",
            version=version,
        )
    except ValidationError as exc:
        a = patientlage.patientens_arende(request.patient.hashar, case_id)
        status = 422 if getattr(exc, "code", None) == "okant" or hasattr(exc, "error_dict") else 409
        return _arende_sida(request, a, nej_form=nej_form, fel=" ".join(exc.messages), status=status)
    a.refresh_from_db()
    patientlage.logga(request, [a], patientlage.LOGG_SVAR)
    if a.status == Status.FORMEDLA:
        messages.success(request, "Tack! Du har sagt ja. Vi hör av oss om remissen och resan.")
    else:
        messages.success(request, "Tack för ditt svar. Vi fortsätter att leta efter vård åt dig.")
    return redirect("patient:arende", case_id=a.case_id)


def kontakt_per_timme() -> int:
    """How many contact requests that pass the form's checks one patient may send per clock hour (fixed windows).
    Each one opens the sealed identity and computes the patient's keyed hash under the key of every region with an
    open case for that care (HSM operations); a patient who corrects a mistake or is told of a duplicate stays well
    below it, a script that resends the form is stopped. The open requests themselves are limited by the service
    (arenden.services.patientsvar.MAX_OPPNA_KONTAKTFORFRAGNINGAR)."""
    return int(getattr(settings, "PATIENT_KONTAKT_PER_TIMME", 10))


def _kontakt_raknare(patient: InloggadPatient) -> str:
    """The patient's counter of this hour in the shared cache, the API's rate counter (api/auth.py) by the same
    helper: keyed by a digest of the patient's keyed hashes (never the personnummer), so it follows the patient
    across sessions and browsers."""
    nyckel = hashlib.sha256("|".join(sorted(patient.hashar.values())).encode()).hexdigest()[:32]
    return f"patient:kontakt:{nyckel}:{int(time.time() // 3600)}"


@require_http_methods(["GET", "POST"])
@patient_kravs
def kontakt(request: PatientRequest) -> HttpResponse:
    """ "Kontakta mig om vård på annat håll": a case of source `patient` in the home region the patient names."""
    hashar = request.patient.hashar
    senaste = next(
        (a.region_id for a in patientlage.patientens_arenden(hashar)[:20] if patientlage.ar_patientens(hashar, a)), ""
    )
    form = KontaktForm(request.POST or None, region_forval=senaste)
    fel = ""
    if request.method == "POST":
        antal = None
        if form.is_valid():  # only a request that would be sent counts (a form error costs no key operation)
            antal = referensdata.forhamta([], rakna=_kontakt_raknare(request.patient), rakna_sekunder=3600 + 60)
        if antal is not None and antal > kontakt_per_timme():
            fel = FOR_MANGA_KONTAKT
        elif form.is_valid():
            region = get_object_or_404(Region, kod=form.cleaned_data["region"])
            kva = next(g for g in katalog_api.kva_grupper() if g.kod == form.cleaned_data["kva"])
            try:
                ny = patient_kontaktforfragan(
                    inloggning=request.patient.inloggning,
                    region=region,
                    kva=kva,
                    orsak=form.cleaned_data["orsak"],
                    text=form.cleaned_data["text"],
                    beslutsdatum=form.cleaned_data["beslutsdatum"],
                )
            except ValidationError as exc:
                if isinstance(exc, RedanArende):  # the answer names the patient's open case: a read of it
                    patientlage.logga(request, [exc.arende], patientlage.LOGG_KONTAKT_DUBBLETT)
                if hasattr(exc, "error_dict"):
                    for falt, fellista in exc.message_dict.items():
                        form.add_error(falt if falt in form.fields else None, fellista)
                else:
                    fel = " ".join(exc.messages)
            else:
                messages.success(
                    request,
                    f"Tack! Vårdförmedlingen i {region.namn} har fått din fråga och kontaktar dig. "
                    f"Ditt ärendenummer är {ny.case_id}.",
                )
                return redirect("patient:arende", case_id=ny.case_id)
        status = 422
    else:
        status = 200
    return render(request, "patient/kontakt.html", {"form": form, "fel": fel}, status=status)
