"""The case page (five steps, facts, offers, transfer, travel, history, notes) and its POST actions."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from arenden import forms as f
from arenden import services
from arenden.access import _get_arende_for_user, ar_mottagare, logga
from arenden.models import OPPNA, STEG_NAMN, Erbjudande, Status
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment
from vardformedling.indata import heltal

ANDRAT = "andrat"
EJ_MOJLIG = "Det går inte att göra det här när ärendet har status ”{status}”. Sidan visar nu ärendets aktuella läge."
ERBJUDANDE_EJ_MOJLIG = "Erbjudandet är redan {status}. Sidan visar nu ärendets aktuella läge."

# action name → (form class, permission, states in which it is legal)
ATGARDER = {
    "bedom": (f.BedomForm, "arenden.registrera", [Status.BEHOV]),
    "svar": (f.SvarForm, "arenden.registrera", [Status.HITTA_VARDGIVARE]),
    "aterkalla": (f.AterkallaForm, "arenden.registrera", [Status.HITTA_VARDGIVARE, Status.FORMEDLA]),
    "overfor": (f.OverforForm, "arenden.registrera", [Status.FORMEDLA]),
    "resa": (f.ResaForm, "arenden.registrera", [Status.FORMEDLA, Status.REMISS_SKICKAD, Status.BEKRAFTAD]),
    "uppfoljning": (f.UppfoljningForm, "arenden.registrera", [Status.UPPFOLJNING]),
    "avsluta": (f.AvslutaForm, "arenden.registrera", [Status.UPPFOLJNING]),
    "avsluta_tidigt": (f.AvslutaTidigtForm, "arenden.registrera", OPPNA),
    "tilldela": (f.TilldelaForm, "arenden.tilldela", OPPNA),
    "bekrafta": (f.BekraftaForm, "arenden.mottagning", [Status.REMISS_SKICKAD]),
    "utford": (f.UtfordForm, "arenden.mottagning", [Status.BEKRAFTAD]),
    "aterremittera": (f.AterremitteraForm, "arenden.mottagning", [Status.UTFORD]),
}
LYCKADES = {
    "bedom": "Bedömningen är sparad.",
    "svar": "Patientens svar är registrerat.",
    "aterkalla": "Erbjudandet är återkallat.",
    "overfor": "Remissen är skickad via SDK och kvittot registrerat.",
    "resa": "Sjukresan är registrerad.",
    "uppfoljning": "Uppföljningen är sparad.",
    "avsluta": "Ärendet är avslutat.",
    "avsluta_tidigt": "Ärendet är avslutat i förtid.",
    "tilldela": "Handläggare är tilldelad.",
    "bekrafta": "Remissen är bekräftad.",
    "utford": "Vården är registrerad som utförd.",
    "aterremittera": "Patienten är återremitterad till hemregionen.",
}


def mojliga_atgarder(request, arende) -> set[str]:
    """Actions that are both legal in the case's state and permitted for the active commission."""
    return {
        namn
        for namn, (_form, perm, statusar) in ATGARDER.items()
        if arende.status in statusar and request.user.has_perm(perm)
    }


def _form_for(namn: str, arende, data=None, erbjudande_id=None):
    form_class = ATGARDER[namn][0]
    kwargs = {"region_kod": arende.region_id} if namn == "tilldela" else {}
    if erbjudande_id:
        # One form per offer on the page: ids must stay unique (labels point at the right field).
        kwargs["auto_id"] = f"id_%s_{erbjudande_id}"
    initial = {"version": arende.version}
    if namn == "uppfoljning":
        initial["faktura_belopp"] = arende.faktura_belopp or services.avtalspris(arende)
    return form_class(data, initial=initial, prefix=namn, **kwargs)


def sok_url(arende) -> str:
    params = {"kva": arende.kva_id, "patientregion": arende.region_id, "med_avtal": "1", "arende": arende.case_id}
    if arende.asa_klass:
        params["asa"] = arende.asa_klass
    if arende.narkos:
        params["narkos"] = "1"
    if arende.remitterande_enhet_id:
        params["fran"] = arende.remitterande_enhet.hsa_id
    return f"{reverse('katalog:sok')}?{urlencode(params)}"


def _context(request, arende, *, bunden=None, meddelande=None, niva="ok", anteckning_form=None):
    atgarder = mojliga_atgarder(request, arende)
    formular = {namn: _form_for(namn, arende) for namn in atgarder}
    if bunden:
        formular[bunden[0]] = bunden[1]
    mottagare = ar_mottagare(request)
    erbjudanden = arende.erbjudanden.select_related("vardenhet", "avtalsrad__avtal")
    if mottagare:
        # A receiving unit needs only its own offer, not the other units the patient was offered.
        erbjudanden = erbjudanden.filter(vardenhet_id=arende.mottagande_enhet_id)
    erbjudanden = list(erbjudanden)
    bunden_erbjudande = bunden[2] if bunden and len(bunden) > 2 else None
    for e in erbjudanden:
        for namn in ("svar", "aterkalla"):
            if namn in atgarder:
                form = _form_for(namn, arende, erbjudande_id=e.pk)
                if bunden and bunden[0] == namn and str(bunden_erbjudande) == str(e.pk):
                    form = bunden[1]
                setattr(e, f"{namn}_form", form)
    return {
        "arende": arende,
        "steg_lista": [(nr, namn) for nr, namn in STEG_NAMN.items()],
        "atgarder": atgarder,
        "formular": formular,
        "erbjudanden": erbjudanden,
        "overforingar": list(arende.overforingar.select_related("mottagare")),
        "resor": list(arende.resor.all()),
        "handelser": list(arende.handelser.select_related("anvandare")),
        "anteckningar": [] if mottagare else list(arende.anteckningar.select_related("anvandare")[:50]),
        "anteckning_form": None if mottagare else anteckning_form or f.AnteckningForm(prefix="anteckning"),
        "mottagare": mottagare,
        "sok_url": sok_url(arende),
        "meddelande": meddelande,
        "meddelande_niva": niva,
        "kan_erbjuda": arende.status == Status.HITTA_VARDGIVARE and request.user.has_perm("arenden.registrera"),
    }


def _render(request, arende, status=200, *, handling: str, **kwargs) -> HttpResponse:
    """Every response that shows the case's patient data writes its access-log row here (PDL)."""
    logga(request, [arende], handling)
    context = _context(request, arende, **kwargs)
    return render_page_or_fragment(request, "arenden/arende.html", context, fragment="arende", status=status)


@never_cache
@require_safe
@require_perm("arenden.visa")
def arende_visa(request: HttpRequest, case_id: str) -> HttpResponse:
    arende = _get_arende_for_user(request, case_id)
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


def _ej_mojlig(namn: str, arende, erbjudande) -> str | None:
    """Why the case page offers no form for this action now (so errors in it could not be shown), or None.

    The services check the same under lock; this only answers early with a message the page can show."""
    if arende.status not in ATGARDER[namn][2]:
        return EJ_MOJLIG.format(status=arende.get_status_display())
    oppna = {"svar": [Erbjudande.Status.LAMNAT], "aterkalla": [Erbjudande.Status.LAMNAT, Erbjudande.Status.ACCEPTERAT]}
    if erbjudande is not None and erbjudande.status not in oppna[namn]:
        return ERBJUDANDE_EJ_MOJLIG.format(status=erbjudande.get_status_display().lower())
    return None


def _utfor(namn, request, arende, data, erbjudande=None):
    """Calls the service for action `namn` with the validated form data."""
    ctx = {"anvandare": request.user, "uppdrag": request.uppdrag, "version": data["version"]}
    if erbjudande is not None:
        if namn == "svar":
            return services.erbjudande_besvara(
                erbjudande=erbjudande,
                svar=data["svar"],
                avbojt_orsak=data["avbojt_orsak"],
                fritext=data["fritext"],
                **ctx,
            )
        return services.erbjudande_aterkalla(erbjudande=erbjudande, motivering=data["motivering"], **ctx)
    ctx["arende"] = arende
    data = {k: v for k, v in data.items() if k != "version"}
    calls = {
        "bedom": services.arende_bedom,
        "overfor": services.arende_overfor,
        "resa": services.resa_registrera,
        "uppfoljning": services.uppfoljning_registrera,
        "avsluta": services.arende_avsluta,
        "avsluta_tidigt": services.arende_avsluta_tidigt,
        "tilldela": services.arende_tilldela,
        "bekrafta": services.remiss_bekrafta,
        "utford": services.vard_utford,
        "aterremittera": services.arende_aterremittera,
    }
    return calls[namn](**ctx, **data)


@never_cache
@require_POST
@require_perm("arenden.visa")
def arende_atgard(request: HttpRequest, case_id: str, namn: str) -> HttpResponse:
    """POST endpoint for every step action; answers with the updated case (fragment for HTMX)."""
    if namn not in ATGARDER:
        raise Http404
    arende = _get_arende_for_user(request, case_id)
    perm = ATGARDER[namn][1]
    if not request.user.has_perm(perm):
        raise PermissionDenied
    erbjudande = _get_erbjudande(arende, request.POST.get("erbjudande")) if namn in ("svar", "aterkalla") else None
    erbjudande_id = erbjudande.pk if erbjudande else None
    handling = f"åtgärd {namn}"
    if fel := _ej_mojlig(namn, arende, erbjudande):
        return _render(request, arende, status=409, handling=handling, meddelande=fel, niva="warn")
    form = _form_for(namn, arende, request.POST, erbjudande_id=erbjudande_id)
    if not form.is_valid():
        return _render(request, arende, status=422, handling=handling, bunden=(namn, form, erbjudande_id))
    try:
        _utfor(namn, request, arende, form.cleaned_data, erbjudande)
    except ValidationError as exc:
        arende.refresh_from_db()
        if getattr(exc, "code", None) == ANDRAT:
            return _render(request, arende, status=409, handling=handling, meddelande=exc.messages[0], niva="warn")
        add_errors(form, exc)
        return _render(request, arende, status=422, handling=handling, bunden=(namn, form, erbjudande_id))
    arende.refresh_from_db()
    if request.htmx:
        return _render(request, arende, handling=handling, meddelande=LYCKADES[namn])
    messages.success(request, LYCKADES[namn])
    return redirect("arenden:arende", case_id=arende.case_id)


@never_cache
@require_POST
@require_perm("arenden.visa")
def anteckning_ny(request: HttpRequest, case_id: str) -> HttpResponse:
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
