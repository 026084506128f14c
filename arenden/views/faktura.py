"""Invoice lines on the case page (receiving unit registers, home region approves or disputes) and the settlement
page per region-month with its CSV/XLSX export (issue #19 point 4)."""

from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from arenden import avrakning, services
from arenden.access import _get_arende_for_user
from arenden.models import Fakturarad
from arenden.views.arende import _render, add_errors, panelrader
from katalog.models import Vardenhet
from vardformedling import format as fmt
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm
from vardformedling.export import tabell_export
from vardformedling.indata import heltal
from vardformedling.models import Region

KONFLIKT = {"inte_mottagare", "inte_remitterat", "inte_avsandare", "redan_beslutad", "andrat"}
RAD_SAKNAS = "Välj vilken fakturarad beslutet gäller."
BESLUT_SAKNAS = "Välj godkänn eller bestrid."
DATE = forms.DateInput(attrs={"type": "date"})


class FakturaradForm(forms.Form):
    typ = forms.ChoiceField(label="Typ", choices=Fakturarad.Typ.choices, initial=Fakturarad.Typ.VARD)
    avser = forms.CharField(label="Avser", max_length=200, help_text="T.ex. operation, återbesök, röntgen, taxi.")
    datum = forms.DateField(label="Datum", widget=DATE)
    belopp = forms.DecimalField(label="Belopp (kr)", min_value=0, max_digits=12, decimal_places=2)


def faktura_context(request, arende, faktura_form=None) -> dict:
    """The invoice part of the case page: lines (both parties see them) and who may do what."""
    uppdrag = getattr(request, "uppdrag", None)
    kan_fakturera = bool(
        request.user.has_perm("arenden.fakturera")
        and uppdrag
        and arende.mottagande_enhet_id
        and uppdrag.vardenhet_id == arende.mottagande_enhet_id
    )
    kan_attestera = bool(
        request.user.has_perm("arenden.attestera") and uppdrag and uppdrag.region_id == arende.region_id
    )
    if kan_fakturera and faktura_form is None:
        faktura_form = FakturaradForm(prefix="faktura", initial={"datum": timezone.localdate()})
    return {
        "fakturarader": panelrader(arende, "fakturarader", arende.fakturarader.select_related("avtalsrad__avtal")),
        "faktura_form": faktura_form if kan_fakturera else None,
        "kan_attestera": kan_attestera,
    }


@never_cache
@require_POST
@require_perm("arenden.fakturera")
def faktura_ny(request: BehorigRequest, case_id: str) -> HttpResponse:
    arende = _get_arende_for_user(request, case_id)
    form = FakturaradForm(request.POST, prefix="faktura")
    handling = "fakturarad"
    if not form.is_valid():
        return _render(request, arende, status=422, handling=handling, faktura_form=form)
    try:
        rad = services.fakturarad_registrera(arende=arende, anvandare=request.user, uppdrag=request.uppdrag,
                                             **form.cleaned_data)  # fmt: skip
    except ValidationError as exc:
        arende.refresh_from_db()
        if getattr(exc, "code", None) in KONFLIKT:
            return _render(request, arende, status=409, handling=handling, meddelande=exc.messages[0], niva="warn")
        add_errors(form, exc)
        return _render(request, arende, status=422, handling=handling, faktura_form=form)
    arende.refresh_from_db()
    text = f"Fakturaraden är registrerad: {rad.avser}, {fmt.kr(rad.belopp)}."
    if rad.avviker:
        text += f" Avvikelse: {rad.avvikelse_text}."
    if request.htmx:
        return _render(request, arende, handling=handling, meddelande=text, niva="warn" if rad.avviker else "ok")
    messages.success(request, text)
    return redirect("arenden:arende", case_id=arende.case_id)


def _tillbaka(request, arende) -> str | None:
    nasta = request.POST.get("next") or ""
    ok = url_has_allowed_host_and_scheme(nasta, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    # Only a path on this site: redirect() takes "1" or "arenden:lista" for a view name (NoReverseMatch, a 500).
    return nasta if nasta.startswith("/") and ok else None


@never_cache
@require_POST
@require_perm("arenden.attestera")
def faktura_beslut(request: BehorigRequest, case_id: str) -> HttpResponse:
    arende = _get_arende_for_user(request, case_id)
    handling = "fakturabeslut"
    rad_id = heltal(request.POST.get("rad"))
    beslut = request.POST.get("beslut")
    fel = None
    if rad_id is None or not arende.fakturarader.filter(pk=rad_id).exists():
        fel, status = RAD_SAKNAS, 422
    elif beslut not in {"godkann", "bestrid"}:
        fel, status = BESLUT_SAKNAS, 422
    else:
        try:
            rad = services.fakturarad_besluta(
                rad_id=rad_id,
                anvandare=request.user,
                uppdrag=request.uppdrag,
                godkand=beslut == "godkann",
                motivering=request.POST.get("motivering", ""),
            )
        except ValidationError as exc:
            fel, status = exc.messages[0], 409 if getattr(exc, "code", None) in KONFLIKT else 422
    nasta = _tillbaka(request, arende)
    if fel is None:
        text = f"Fakturaraden ”{rad.avser}” är {rad.get_status_display().lower()}."
        if nasta:
            messages.success(request, text)
            return redirect(nasta)
        arende.refresh_from_db()
        if request.htmx:
            return _render(request, arende, handling=handling, meddelande=text)
        messages.success(request, text)
        return redirect("arenden:arende", case_id=arende.case_id)
    arende.refresh_from_db()
    if nasta and not request.htmx:
        messages.error(request, fel)
        return redirect(nasta)
    return _render(request, arende, status=status, handling=handling, meddelande=fel, niva="warn")


def _manad(text: str | None) -> date:
    idag = timezone.localdate()
    try:
        ar, man = (int(x) for x in (text or "").split("-"))
        if not 1 < ar < 9999:  # the page links the month before and after: year 1 and 9999 would be a 500
            raise ValueError(ar)
        return date(ar, man, 1)
    except ValueError:
        return idag.replace(day=1)


@never_cache
@require_safe
@require_perm("arenden.avrakning")
def avrakning_sida(request: BehorigRequest) -> HttpResponse:
    """The sending region's lines to pay (coordinator), or the receiving unit's invoiced lines, for one month."""
    uppdrag = request.uppdrag
    manad = _manad(request.GET.get("manad"))
    urval: dict[str, Any]  # the keyword arguments of avrakning.rader
    if uppdrag.vardenhet_id and uppdrag.roll == "mottagare":
        urval = {"vardenhet_id": uppdrag.vardenhet_id}
        vem = cast(Vardenhet, uppdrag.vardenhet).namn  # vardenhet_id is set
    else:
        urval = {"region_kod": uppdrag.region_id}
        vem = cast(Region, uppdrag.region).namn if uppdrag.region_id else ""
    rader = avrakning.rader(manad=manad, **urval)
    manad_text = fmt.datum(manad)[:7]
    if request.GET.get("format") in {"csv", "xlsx"}:
        return tabell_export(
            f"avrakning_{manad_text}", avrakning.KOLUMNER, [avrakning.celler(r) for r in rader],
            format=request.GET["format"],
        )  # fmt: skip
    for r in rader:
        r["celler"] = avrakning.celler(r)
    kan_attestera = request.user.has_perm("arenden.attestera") and not urval.get("vardenhet_id")
    foregaende = (manad.replace(day=1) - timedelta(days=1)).replace(day=1)
    nasta = avrakning.manad_intervall(manad)[1]
    return render(
        request,
        "arenden/avrakning.html",
        {
            "rader": rader,
            "summor": avrakning.summor(rader),
            "manad": manad_text,
            "foregaende": fmt.datum(foregaende)[:7],
            "nasta": fmt.datum(nasta)[:7],
            "vem": vem,
            "kolumner": avrakning.KOLUMNER,
            "kan_attestera": kan_attestera,
            "rader_html": avrakning.rader_html(
                rader, kan_attestera=kan_attestera, csrf=get_token(request), nasta=request.get_full_path()
            ),
        },
    )
