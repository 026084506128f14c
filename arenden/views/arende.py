"""The case page (five steps, facts, offers, transfer, travel, history, notes) and its POST actions."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from arenden import atgarder, services
from arenden import forms as f
from arenden.access import _get_arende_for_user, ar_mottagare, logga
from arenden.kapacitet import fulla_erbjudanden
from arenden.models import STEG_NAMN, Arende, Erbjudande, Meddelandetyp, Status
from arenden.services import identitet
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment
from vardformedling.indata import heltal

ANDRAT = "andrat"
EJ_MOJLIG = "Det går inte att göra det här när ärendet har status ”{status}”. Sidan visar nu ärendets aktuella läge."
ERBJUDANDE_EJ_MOJLIG = "Erbjudandet är redan {status}. Sidan visar nu ärendets aktuella läge."


# Panels that are empty in most cases: the case page's case query says which have rows (one EXISTS each, in the same
# round trip), so an empty panel runs no query of its own. Only the GET reads the flags; an action's answer, which
# may just have written a row, reads every panel.
PANELER = ("overforingar", "resor", "patientmeddelanden", "fakturarader", "avvikelser", "anteckningar")


def _har_rader() -> dict:
    return {
        # The reverse accessor's foreign key names the panel's model.
        f"har_{namn}": Exists(getattr(Arende, namn).field.model.objects.filter(arende=OuterRef("pk")))
        for namn in PANELER
    }


def panelrader(arende, namn: str, qs) -> list:
    """The panel's rows, or [] without a query when the case query found that the case has none."""
    return [] if getattr(arende, f"har_{namn}", True) is False else list(qs)


def sok_url(arende) -> str:
    params = {"kva": arende.kva_id, "patientregion": arende.region_id, "med_avtal": "1", "arende": arende.case_id}
    if arende.asa_klass:
        params["asa"] = arende.asa_klass
    if arende.narkos:
        params["narkos"] = "1"
    if arende.remitterande_enhet_id:
        params["fran"] = arende.remitterande_enhet.hsa_id
    return f"{reverse('katalog:sok')}?{urlencode(params)}"


def _context(
    request,
    arende,
    *,
    handling="visa ärende",
    bunden=None,
    meddelande=None,
    niva="ok",
    anteckning_form=None,
    faktura_form=None,
    avvikelse_form=None,
):
    """`bunden`: (action name, bound form, offer id or None) – the submitted form to show again with its errors."""
    from arenden.views.avvikelser import avvikelse_context  # these views render through this page
    from arenden.views.faktura import faktura_context

    mojliga = atgarder.mojliga(arende, request.user)

    def formular(atgard, erbjudande_id=None):
        if bunden and bunden[0] == atgard.namn and bunden[2] == erbjudande_id:
            return bunden[1]
        return atgard.formular_for(arende, erbjudande_id=erbjudande_id)

    mottagare = ar_mottagare(request)
    erbjudanden = arende.erbjudanden.select_related("vardenhet", "avtalsrad__avtal")
    handelser = arende.handelser.select_related("anvandare")
    if mottagare:
        # A receiving unit sees only what concerns it (PDL): its accepted offer and the history from the patient's
        # acceptance on – not other units' offers, withdrawals or the patient's reasons; notes not at all (below).
        erbjudanden = erbjudanden.for_mottagande_enhet(request.uppdrag.vardenhet_id)
        handelser = handelser.for_mottagande_enhet()
    erbjudanden = list(erbjudanden)
    fulla = fulla_erbjudanden(erbjudanden)
    post = set()
    if not mottagare:
        if any(e.kan_vanta_pa_post for e in erbjudanden):  # no query when no offer can be waiting for a letter
            post = set(Erbjudande.objects.vantar_pa_post().filter(arende=arende).values_list("pk", flat=True))
        # Read once for every offer's letter-sent action (atgarder._vantar_pa_post), not twice per digital offer.
        arende.__dict__["forsta_postuppgift"] = min(((e.skapad, e.pk) for e in erbjudanden if e.pk in post),
                                                    default=(None, None))[1]  # fmt: skip
    for e in erbjudanden:
        e.atgarder = [(a, formular(a, e.pk)) for a in mojliga if a.galler(arende, e)]
        e.rad_full = e.pk in fulla
        e.post_uppgift = e.pk in post
    # What the patient was sent (issue 18): a receiving unit sees the confirmations, not the offers.
    patientmeddelanden = arende.patientmeddelanden.order_by("-skapad", "-id")
    if mottagare:
        patientmeddelanden = patientmeddelanden.exclude(typ=Meddelandetyp.ERBJUDANDE)
    handelser = list(handelser)
    context = {
        "arende": arende,
        # The patient's identity if this commission may see it (decrypted in this request, logged), or why not.
        "patient": identitet.visa_en(request, arende, handling, logga=False),  # logged with the case row by _render
        "steg_lista": [(nr, namn) for nr, namn in STEG_NAMN.items()],
        "atgarder": [(a, formular(a)) for a in mojliga if not a.per_erbjudande],
        "vantande": atgarder.vantande(arende, request.user),
        "erbjudanden": erbjudanden,
        "overforingar": panelrader(arende, "overforingar", arende.overforingar.select_related("mottagare")),
        "resor": identitet.las_resenoter(
            request, request.uppdrag, arende, panelrader(arende, "resor", arende.resor.all())
        ),
        "patientmeddelanden": panelrader(arende, "patientmeddelanden", patientmeddelanden.defer("text_html")[:20]),
        "handelser": handelser,
        "anteckningar": []
        if mottagare or identitet.far_se_identitet(request.uppdrag, arende)
        else identitet.las_anteckningar(
            request, arende, panelrader(arende, "anteckningar", arende.anteckningar.select_related("anvandare")[:50])
        ),
        "anteckning_form": None if mottagare else anteckning_form or f.AnteckningForm(prefix="anteckning"),
        "mottagare": mottagare,
        "sok_url": sok_url(arende),
        "meddelande": meddelande,
        "meddelande_niva": niva,
        "kan_erbjuda": arende.status == Status.HITTA_VARDGIVARE and request.user.has_perm("arenden.registrera"),
        **faktura_context(request, arende, faktura_form),
        **avvikelse_context(request, arende, avvikelse_form),
    }
    # The free text about the patient (sealed): opened with the identity's data key; its access-log row is written
    # with the page's own (_render).
    context["fritext_lasta"] = identitet.las_fritext(
        request, arende, handling, handelser=handelser, erbjudanden=erbjudanden, avvikelser=context["avvikelser"],
        logga=False,
    )  # fmt: skip
    return context


def _render(request, arende, status=200, *, handling: str, **kwargs) -> HttpResponse:
    """Every response that shows the case's patient data writes its access-log row here (PDL)."""
    context = _context(request, arende, handling=handling, **kwargs)
    logga(
        request,
        [arende],
        handling,
        identitet_lasta=[arende] if context["patient"].identitet is not None else [],
        fritext_lasta=[arende] if context["fritext_lasta"] else [],
    )
    return render_page_or_fragment(request, "arenden/arende.html", context, fragment="arende", status=status)


@never_cache
@require_safe
@require_perm("arenden.visa")
def arende_visa(request: BehorigRequest, case_id: str) -> HttpResponse:
    arende = _get_arende_for_user(request, case_id, **_har_rader())
    if case_id != arende.case_id:
        return redirect("arenden:arende", case_id=arende.case_id)
    return _render(request, arende, handling="visa ärende")


def add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _get_erbjudande(arende, erbjudande_id: str | None) -> Erbjudande:
    """The case's own offer named in the form; anything else (another case's offer, not a number) is a 404."""
    if (pk := heltal(erbjudande_id)) is None:
        raise Http404
    return get_object_or_404(Erbjudande, pk=pk, arende=arende)


def _ej_mojlig(atgard: atgarder.Atgard, arende, erbjudande) -> str | None:
    """Why the case page offers no form for this action now (so errors in it could not be shown), or None.

    The services check the same under lock; this only answers early with a message the page can show."""
    if atgard.vantar(arende):
        return atgard.vantar_pa
    if not atgard.mojlig(arende):
        return EJ_MOJLIG.format(status=arende.get_status_display())
    if erbjudande is not None and not atgard.galler(arende, erbjudande):
        return ERBJUDANDE_EJ_MOJLIG.format(status=erbjudande.get_status_display().lower())
    return None


@never_cache
@require_POST
@require_perm("arenden.visa")
def arende_atgard(request: BehorigRequest, case_id: str, namn: str) -> HttpResponse:
    """POST endpoint for every step action (arenden/atgarder.py); answers with the updated case (fragment for HTMX)."""
    if (atgard := atgarder.ATGARDER.get(namn)) is None:
        raise Http404
    arende = _get_arende_for_user(request, case_id)
    if not request.user.has_perm(atgard.behorighet):
        raise PermissionDenied
    erbjudande = _get_erbjudande(arende, request.POST.get("erbjudande")) if atgard.per_erbjudande else None
    erbjudande_id = erbjudande.pk if erbjudande else None
    handling = f"åtgärd {namn}"
    if fel := _ej_mojlig(atgard, arende, erbjudande):
        return _render(request, arende, status=409, handling=handling, meddelande=fel, niva="warn")
    form = atgard.formular_for(arende, request.POST, erbjudande_id=erbjudande_id)
    if not form.is_valid():
        return _render(request, arende, status=422, handling=handling, bunden=(namn, form, erbjudande_id))
    try:
        atgard.utfor(
            arende=arende,
            erbjudande=erbjudande,
            anvandare=request.user,
            uppdrag=request.uppdrag,
            data=form.cleaned_data,
            request=request,
        )
    except ValidationError as exc:
        arende.refresh_from_db()
        if getattr(exc, "code", None) == ANDRAT:
            return _render(request, arende, status=409, handling=handling, meddelande=exc.messages[0], niva="warn")
        add_errors(form, exc)
        return _render(request, arende, status=422, handling=handling, bunden=(namn, form, erbjudande_id))
    arende.refresh_from_db()
    if request.htmx:
        return _render(request, arende, handling=handling, meddelande=atgard.lyckades)
    messages.success(request, atgard.lyckades)
    return redirect("arenden:arende", case_id=arende.case_id)


@never_cache
@require_POST
@require_perm("arenden.visa")
def anteckning_ny(request: BehorigRequest, case_id: str) -> HttpResponse:
    arende = _get_arende_for_user(request, case_id)
    if ar_mottagare(request):
        raise PermissionDenied
    form = f.AnteckningForm(request.POST, prefix="anteckning")
    if form.is_valid():
        services.anteckning_skapa(arende=arende, anvandare=request.user, **form.cleaned_data)
        if not request.htmx:
            messages.success(request, "Anteckningen är sparad.")
            return redirect(reverse("arenden:arende", args=[arende.case_id]) + "#anteckningar")
        return _render(request, arende, handling="ny anteckning", meddelande="Anteckningen är sparad.")
    return _render(request, arende, status=422, handling="ny anteckning", anteckning_form=form)
