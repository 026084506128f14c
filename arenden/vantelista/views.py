"""The coordinator's waiting-list page `/arenden/vantelista/`: upload (check → preview → confirm) and who is at risk.

Plain HTML forms, as the other upload pages: a rejected file answers 422 with every "rad N, kolumn X: …" message.
The patient table filters (state, KVÅ group, home unit) and sorts by URL; the table itself is answered as a fragment
to htmx. Reading the page writes one access-log row (the names shown come from sealed identity)."""

import contextlib
from datetime import date
from typing import cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import DurationField, ExpressionWrapper, F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from arenden.models import Atkomstlogg
from arenden.vantelista import risk as riskmodul
from arenden.vantelista import services
from arenden.vantelista.importer import oppna_identiteter
from arenden.vantelista.models import Vantelista, VantelistaPatient
from vardformedling import format as fmt
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment
from vardformedling.importering import vakt
from vardformedling.importering.fel import FilAvvisad
from vardformedling.indata import heltal
from vardformedling.models import Region
from vardformedling.personnummer import mask
from vardformedling.sortering import sortering

UNPROCESSABLE = 422
PER_SIDA = 100
# Sortable columns (?sort=…&ordning=…), ordered in SQL over the stored risk dates; the patient id breaks ties.
# "enheter" (units that could treat before the guarantee date) depends on today: computed for the filtered rows.
SORTERING = {
    "garanti": ("garanti_datum",),
    "forvantat": ("forvantat_datum",),
    "beslut": ("beslutsdatum",),
    "over": ("dagar_over",),
    "enheter": (),
}


class VantelistaForm(forms.Form):
    fil = forms.FileField(label="Väntelista (CSV eller XLSX)")


def _logga(request, handling: str) -> None:
    u = request.uppdrag
    Atkomstlogg.objects.create(
        hsa_id=request.user.hsa_id, uppdrag=u.etikett, region_kod=u.region_id or "", case_id="", handling=handling,
        ip=request.META.get("REMOTE_ADDR") or None,
    )  # fmt: skip


def _ordna(qs, sort: str, fallande: bool, idag):
    """The filtered patients in the chosen order: in SQL, or for "enheter" by the count over the filtered rows."""
    if sort == "enheter":
        rader = list(qs.values_list("pk", "lista__kva_id", "lista__vardenhet_id", "garanti_datum"))
        fore = riskmodul.enheter_fore_garanti(rader, idag=idag)
        return sorted(fore, key=lambda pk: (fore[pk], pk), reverse=fallande)
    falt = SORTERING[sort][0]
    if sort == "over":
        qs = qs.annotate(dagar_over=ExpressionWrapper(F("forvantat_datum") - F("garanti_datum"), DurationField()))
    riktning = F(falt).desc(nulls_last=True) if fallande else F(falt).asc(nulls_last=True)
    # Only the ids are ordered and paged (narrow rows); the page's 100 patients are read by `_risker_for_sidan`.
    return qs.order_by(riktning, "-pk" if fallande else "pk").values_list("pk", flat=True)


class _Sidor(Paginator):
    """A paginator told the number of rows (counted beside the page's other figures), so it runs no COUNT."""

    def __init__(self, object_list, per_page, *, antal: int):
        super().__init__(object_list, per_page)
        self._antal = antal

    @property
    def count(self) -> int:
        return self._antal


def _risker_for_sidan(sida, idag) -> list[riskmodul.Risk]:
    """The page's rows as full patients (list, unit, case) with their risk: one query for 100 rows."""
    ids = [x if isinstance(x, int) else x.pk for x in sida.object_list]
    per_pk = (
        VantelistaPatient.objects.filter(pk__in=ids)
        .select_related("lista", "lista__vardenhet", "arende")
        .annotate(tillstand=riskmodul.tillstand_uttryck(idag))
        .in_bulk()
    )
    patienter = [per_pk[pk] for pk in ids]
    fore = riskmodul.enheter_fore_garanti(
        [(p.pk, p.lista.kva_id, p.lista.vardenhet_id, p.garanti_datum) for p in patienter], idag=idag
    )
    return [
        riskmodul.Risk(
            p, cast(date, p.garanti_datum), p.forvantat_datum, p.median_dagar, p.median_kalla, p.tillstand, fore[p.pk]
        )
        for p in patienter
    ]


def _oppna_arenden(request, region_kod: str, risker: list[riskmodul.Risk]) -> None:
    """Patients of the page without a case from the list who have an open case of the group all the same (registered
    by hand, the same keyed hash of the personnummer): the row shows that case, and the match is logged."""
    from arenden.access import logga
    from arenden.models import Arende

    utan = {
        (bytes(r.patient.pnr_hash).hex(), r.patient.lista.kva_id): r.patient for r in risker if not r.patient.arende
    }
    if not utan:
        return
    funna = list(
        Arende.objects.oppna().filter(
            region_id=region_kod, pnr_hash__in={h for h, _ in utan}, kva_id__in={k for _, k in utan}
        )
    )
    traffar = [a for a in funna if (a.pnr_hash, a.kva_id) in utan]
    for a in traffar:
        utan[(a.pnr_hash, a.kva_id)].arende = a  # shown only; the row is not changed
    if traffar:
        logga(request, traffar, "dubblettkontroll")


_BADGE = {riskmodul.PASSERAT: "badge--err", riskmodul.RISK: "badge--warn", riskmodul.INOM: "badge--ok"}


def rader_html(rader: list[dict]) -> SafeString:
    """The patient table's `<tr>`s, built in Python (100 rows of eleven cells through the template engine were half
    the page's time at 20,000 patients, issue 17 point 8). Every value is escaped or a formatted number/date."""
    ut = []
    for rad in rader:
        r = rad["r"]
        p = r.patient
        namn = escape(rad["namn"])
        valj = (
            f'<input type="checkbox" name="patient" value="{p.pk}" id="p-{p.pk}" aria-label="Välj {namn}">'
            if r.tillstand != riskmodul.LAMNAT and not p.arende
            else ""
        )
        median = f"{fmt.dagar(r.median_dagar)}, " if r.median_dagar is not None else ""
        arende = (
            f'<a href="{escape(reverse("arenden:arende", args=[p.arende.case_id]))}">{escape(p.arende.case_id)}</a>'
            if p.arende
            else "–"
        )
        ut.append(
            f"<tr>\n        <td>{valj}</td>\n"
            f'        <td>{namn}<br><span class="muted">{escape(rad["pnr"])}</span></td>\n'
            f"        <td>{escape(p.lista.vardenhet.namn)}</td><td>{escape(p.lista.kva_id)}</td>\n"
            f"        <td>{fmt.datum(p.beslutsdatum)}</td><td>{fmt.datum(r.garanti_datum)}</td>\n"
            f"        <td>{fmt.datum(r.forvantat_datum) or '–'}</td>\n"
            f"        <td>{median}{escape(r.median_kalla)}</td>\n"
            f'        <td><span class="badge {_BADGE.get(r.tillstand, "badge--info")}">'
            f"{escape(r.tillstand_text)}</span></td>\n"
            f'        <td class="num">{fmt.antal(r.enheter_fore_garanti)}</td>\n'
            f"        <td>{arende}</td>\n      </tr>"
        )
    return mark_safe("".join(ut))  # noqa: S308 – every value above is escaped or a number/date


def _risklista(request: HttpRequest, region_kod: str) -> dict:
    """Filtered, counted and paged in SQL over the stored risk dates (issue 17 point 8: 20,000 patients)."""
    g = request.GET
    idag = timezone.localdate()
    per_lista = riskmodul.antal_per_lista(region_kod, idag=idag)
    alla = riskmodul.patienter(region_kod, idag=idag)
    listor = Vantelista.objects.select_related("vardenhet").in_bulk({lista for lista, _ in per_lista})
    antal = riskmodul.antal_per_grupp_sql(per_lista, listor)
    grupper = [a["kva"] for a in antal]
    enheter = sorted({(lista.vardenhet.hsa_id, lista.vardenhet.namn) for lista in listor.values()})
    tillstand = g.get("tillstand", "")
    if tillstand not in riskmodul.TILLSTAND and tillstand != "alla":
        tillstand = ""
    valda = (
        {riskmodul.PASSERAT, riskmodul.RISK} if tillstand == "" else set(riskmodul.TILLSTAND)
        if tillstand == "alla" else {tillstand}
    )  # fmt: skip
    valda_listor = set(listor)
    if (kva := g.get("kva", "")) in grupper:
        valda_listor = {pk for pk in valda_listor if listor[pk].kva_id == kva}
    if (enhet := g.get("enhet", "")) in {h for h, _ in enheter}:
        valda_listor = {pk for pk in valda_listor if listor[pk].vardenhet.hsa_id == enhet}
    risker = alla.filter(tillstand__in=sorted(valda))
    if valda_listor != set(listor):
        risker = risker.filter(lista_id__in=sorted(valda_listor))
    traffar = sum(n for (lista, t), n in per_lista.items() if lista in valda_listor and t in valda)
    sort = sortering(g, list(SORTERING), "garanti")
    ordnade = _ordna(risker, sort.sort, sort.fallande, idag)
    sida = _Sidor(ordnade, PER_SIDA, antal=traffar).get_page(g.get("sida"))
    sidans = _risker_for_sidan(sida, idag)
    _oppna_arenden(request, region_kod, sidans)
    identiteter = oppna_identiteter([r.patient for r in sidans]) if sidans else {}
    rader = []
    for r in sidans:
        ident = identiteter.get(r.patient.pk, {})
        namn = " ".join(x for x in (ident.get("fornamn", ""), ident.get("efternamn", "")) if x) or "–"
        rader.append({"r": r, "namn": namn, "pnr": mask(ident.get("personnummer", ""))})
    params = g.copy()
    params.pop("sida", None)
    return {
        "antal_per_grupp": antal, "grupper": grupper, "enheter": enheter, "sida": sida, "rader": rader,
        "rader_html": rader_html(rader),
        "sortering": sort, "val": {"tillstand": tillstand, "kva": kva, "enhet": enhet},
        "tillstand_val": [("", "Passerat eller riskerar"), *riskmodul.TILLSTAND.items(), ("alla", "Alla")],
        "query": params.urlencode(), "antal_traffar": sida.paginator.count,
    }  # fmt: skip


def _sida(request: BehorigRequest, form, **extra) -> dict:
    region_kod = cast(str, request.uppdrag.region_id)  # arenden.vantelista: a coordinator, for a region
    listor = Vantelista.objects.aktuella().filter(region_id=region_kod).select_related("vardenhet", "kva")
    return {
        "form": form,
        "listor": listor,
        "max_mb": settings.UPLOAD_MAX_BYTES // 2**20,
        **_risklista(request, region_kod),
        **extra,
    }


@never_cache
@require_http_methods(["GET", "POST"])
@require_perm("arenden.vantelista")
def vantelista(request: BehorigRequest) -> HttpResponse:
    form = VantelistaForm(request.POST, request.FILES) if request.method == "POST" else VantelistaForm()
    if request.method == "GET":
        context = _sida(request, form)
        _logga(request, "väntelista")
        return render_page_or_fragment(
            request, "arenden/vantelista.html", context, fragment="patienter", target="patienter"
        )
    fel: list[str] = []
    if form.is_valid():
        fil = form.cleaned_data["fil"]
        try:
            vakt.kontrollera_storlek(fil.size)
            region = cast(Region, request.uppdrag.region)  # arenden.vantelista: a coordinator, for a region
            u = services.ladda_upp(region=region, anvandare=request.user, data=fil.read())
        except FilAvvisad as exc:
            fel = exc.texter
        else:
            return redirect("arenden:vantelista_forhandsvisning", token=u.token)
    context = _sida(request, form, fel=fel)
    _logga(request, "väntelista")
    return render(request, "arenden/vantelista.html", context, status=UNPROCESSABLE)


@never_cache
@require_http_methods(["GET"])
@require_perm("arenden.vantelista")
def forhandsvisning(request: BehorigRequest, token) -> HttpResponse:
    try:
        u = services._hamta_uppladdning(token=token, anvandare=request.user, region_kod=request.uppdrag.region_id)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("arenden:vantelista")
    return render(request, "arenden/vantelista_forhandsvisning.html", {"u": u, "f": u.forhandsvisning})


@require_POST
@require_perm("arenden.vantelista")
def bekrafta(request: BehorigRequest, token) -> HttpResponse:
    if request.POST.get("avbryt"):
        with contextlib.suppress(ValidationError):
            services.avbryt(token=token, anvandare=request.user, region_kod=request.uppdrag.region_id)
        messages.info(request, "Inläsningen är avbruten; ingenting har ändrats.")
        return redirect("arenden:vantelista")
    try:
        antal = services.bekrafta(token=token, anvandare=request.user, region_kod=request.uppdrag.region_id)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("arenden:vantelista")
    except FilAvvisad as exc:
        form = VantelistaForm()
        context = _sida(request, form, fel=exc.texter)
        return render(request, "arenden/vantelista.html", context, status=UNPROCESSABLE)
    messages.success(
        request,
        f"Väntelistan är inläst: {fmt.antal_ord(antal['patienter'], 'patient', 'patienter')}, "
        f"{fmt.antal_ord(antal['listor_nya'], 'ny lista', 'nya listor')}, "
        f"{fmt.antal_ord(antal['listor_ersatta'], 'ersatt lista', 'ersatta listor')}, "
        f"{fmt.antal_ord(antal['oforandrade'], 'oförändrad lista', 'oförändrade listor')}; "
        f"{fmt.antal(antal['lamnat'])} har lämnat listan.",
    )
    return redirect("arenden:vantelista")


FEL_INGA_VALDA = "Välj minst en patient i tabellen, eller skapa ärenden för alla i risk."


@never_cache
@require_POST
@require_perm("arenden.vantelista")
def skapa_arenden(request: BehorigRequest) -> HttpResponse:
    """Step-1 cases for the ticked patients, or for everyone at risk (passed or about to) without a case."""
    region_kod = cast(str, request.uppdrag.region_id)  # arenden.vantelista: a coordinator, for a region
    if request.POST.get("urval") == "risk":
        ids = list(
            riskmodul.patienter(region_kod)
            .filter(tillstand__in=[riskmodul.PASSERAT, riskmodul.RISK], arende__isnull=True)
            .values_list("pk", flat=True)
        )
    else:
        # heltal, not isdigit(): "²" is a digit to isdigit() and a ValueError (a 500) to int().
        ids = [i for x in request.POST.getlist("patient") if (i := heltal(x)) is not None]
    if not ids:
        context = _sida(request, VantelistaForm(), skapa_fel=FEL_INGA_VALDA)
        _logga(request, "väntelista")
        return render(request, "arenden/vantelista.html", context, status=UNPROCESSABLE)
    try:
        resultat = services.arenden_fran_lista(anvandare=request.user, uppdrag=request.uppdrag, patient_ids=ids)
    except ValidationError as exc:
        context = _sida(request, VantelistaForm(), skapa_fel=exc.messages[0])
        return render(request, "arenden/vantelista.html", context, status=UNPROCESSABLE)
    from arenden.access import logga

    for h in resultat["hoppade"]:
        if (d := h.get("dubblett")) is not None:
            logga(request, [d.arende], "dubblettkontroll" if d.egen_region else "dubblettkontroll, annan region")
    if resultat["skapade"]:
        logga(request, resultat["skapade"], "väntelista, nya ärenden")
    context = _sida(request, VantelistaForm(), skapat=resultat)
    _logga(request, "väntelista")
    return render(request, "arenden/vantelista.html", context)
