"""The worklist (/arenden/) and access-log review (loggkontroll)."""

from datetime import date, datetime, time, timedelta
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, Case, DateTimeField, ExpressionWrapper, F, Q, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from arenden import case_id as case_ids
from arenden.access import ar_mottagare, handling_text, logga
from arenden.kapacitet import fulla_erbjudanden
from arenden.models import (
    STEG_FOR_STATUS,
    STEG_NAMN,
    Arende,
    Atkomstlogg,
    Erbjudande,
    Status,
    digitalt_svar_villkor,
    kvar_text,
    vantar_pa_post_villkor,
)
from arenden.services import handlaggare_kandidater, identitet, patientkanal
from arenden.views.lista_html import options, rader_html
from katalog.models import KvaGrupp
from vardformedling import format as fmt
from vardformedling import personnummer as pnr
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm
from vardformedling.export import tabell_export
from vardformedling.htmx import render_page_or_fragment
from vardformedling.indata import citera, heltal
from vardformedling.nycklar.fel import KryptoFel
from vardformedling.personnummer import maskera_i_text
from vardformedling.sortering import sortering as sortera

PER_SIDA = 25
RAD_FALT = (
    "case_id",
    "region_id",
    "kva_id",
    "status",
    "avslutad_i_steg",
    "vardgaranti_datum",
    "planerat_datum",
    "handlaggare_id",
    "mottagande_enhet_id",
    "bevakas_sedan",
    "bevakning_vaknade",
    "aterringning",
)
# The sealed identity, read for the rows only (one unwrap per region and page, arenden/services/identitet.py).
IDENTITET_FALT = ("identitet_chiffer", "identitet_nyckel", "identitet_gallrad")
SNART_DAGAR = 14
# A personnummer never goes in a URL (address bar, history, the server's and proxy's access logs, Referer): the
# worklist finds a patient's cases by personnummer only from the POST form, never from `?q=`.
PNR_I_ADRESSEN = (
    "Sökningen gjordes inte: ett personnummer i fältet Ärende-id hamnar i adressen, i webbläsarens historik och i "
    "serverns logg. Sök på personnummer i fältet Personnummer, som skickas utan att synas i adressen."
)
PNR_OGILTIGT = "Skriv ett giltigt personnummer (ÅÅÅÅMMDD-NNNN) i fältet Personnummer."
# Sortable columns (?sort=…&ordning=…); the case id breaks ties so pages never overlap.
SORTERING = {
    "arende": ("case_id",),
    "kva": ("kva_id", "vardgaranti_datum"),
    "status": ("status", "vardgaranti_datum"),
    "vardgaranti": ("vardgaranti_datum",),
    "handlaggare": ("handlaggare__namn", "vardgaranti_datum"),
    "planerat": ("planerat_datum", "vardgaranti_datum"),
}
EXPORT_MAX = 10_000
# No identity is even read for the export.
EXPORT_FALT = (
    *RAD_FALT,
    "utfort_datum",
    "handlaggare__namn",
    "mottagande_enhet__namn",
)
EXPORT_KOLUMNER = [
    "Ärende-id",
    "KVÅ-grupp",
    "Steg",
    "Status",
    "Vårdgaranti",
    "Vårdgaranti, dagar kvar",
    "Handläggare",
    "Mottagande enhet",
    "Planerat datum",
]


def _ar_personnummerlikt(q: str) -> bool:
    """Whether the case-ID field holds something shaped like a personnummer (wide, as the log masking: a mistyped
    number is no less sensitive), not a case ID."""
    return not case_ids.looks_like_case_id(q) and maskera_i_text(q) != q


def _filtrera(request, qs, g):
    """URL-driven filters (`g`: the query). A case-ID search looks in every case the user may see, whatever tab or
    filter. A POST is the personnummer search (the number in the body, never in a URL); an invalid one answers
    the list as the query shows it, with the message."""
    if request.method == "POST":
        if (pnr_qs := _sok_personnummer(request, qs, (request.POST.get("personnummer") or "").strip())) is not None:
            return pnr_qs, _flik(request, g), ""
        return *_filtrera_url(request, qs, g)[:2], PNR_OGILTIGT
    return _filtrera_url(request, qs, g)


def _flik(request, g) -> str:
    return g.get("flik") or ("enhet" if ar_mottagare(request) else "mina")


def _filtrera_url(request, qs, g):
    flik = _flik(request, g)
    q = (g.get("q") or "").strip()
    if q:  # a personnummer-like `q` never comes here (arende_lista drops it)
        try:
            return qs.filter(case_id=case_ids.normalise(q)), flik, ""
        except ValidationError as exc:
            return qs.none(), flik, exc.messages[0]
    if flik == "mina" and not ar_mottagare(request):
        qs = qs.filter(handlaggare=request.user)
    if (steg := heltal(g.get("steg"))) in STEG_NAMN:
        qs = qs.filter(status__in=[s for s, n in STEG_FOR_STATUS.items() if n == steg])
    status = g.get("status", "oppna")
    if status == "oppna":
        qs = qs.oppna()
    elif status in Status.values:
        qs = qs.filter(status=status)
    if g.get("kva"):
        qs = qs.filter(kva_id=g["kva"])
    if (handlaggare := heltal(g.get("handlaggare"))) is not None:
        qs = qs.filter(handlaggare_id=handlaggare)
    if g.get("forsenade") == "1":
        qs = qs.forsenade()
    # Parked cases are off the list until something that fits them appears (arenden/bevakning.py), or asked for.
    qs = qs.filter(bevakas_sedan__isnull=g.get("bevakade") != "1")
    if g.get("uppgift") == "post":  # the postal-fallback tasks (issue 18)
        qs = qs.filter(pk__in=Erbjudande.objects.vantar_pa_post().values("arende_id"))
    return qs, flik, ""


def _sok_personnummer(request, qs, q: str):
    """A search for a valid personnummer: the home region's navigators and coordinators find their region's cases
    by the region's keyed hash (no number is stored); None when `q` is no personnummer."""
    if case_ids.looks_like_case_id(q):
        return None
    try:
        nummer = pnr.normalise(q)
    except ValidationError:
        return None
    uppdrag = request.uppdrag
    if ar_mottagare(request) or uppdrag is None or not uppdrag.region_id:
        return qs.none()
    try:
        return qs.filter(region_id=uppdrag.region_id, pnr_hash=identitet.pnr_hash(uppdrag.region_id, nummer))
    except KryptoFel:
        return qs.none()


def _utan_personnummer(request, meddelande: str) -> HttpResponse:
    """A personnummer typed into a URL field (`q`) is neither searched for nor repeated: a redirect to the same
    address without it, with the message. Not the page itself, whose links (the commission switch's `next`, sorting,
    pages, export) would carry the number on; htmx follows the redirect and pushes the address without it."""
    g = request.GET.copy()
    del g["q"]
    messages.error(request, meddelande)
    return redirect(f"{request.path}?{g.urlencode()}" if g else request.path)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])  # POST: the personnummer search (a read, logged as the GET)
@require_perm("arenden.visa")
def arende_lista(request: BehorigRequest) -> HttpResponse:
    """Worklist sorted by guarantee deadline (or a chosen column); one access-log row per case row shown.
    `?export=csv|xlsx` downloads the whole selection without names or personnummer (the case ID is the handle).
    The search by personnummer is a POST (field `personnummer`), so the number is in no URL; one typed into the
    case-ID field (`?q=`) is not searched for and not repeated in the page or its links."""
    if _ar_personnummerlikt((request.GET.get("q") or "").strip()):
        return _utan_personnummer(request, PNR_I_ADRESSEN)
    g = request.GET
    bas = Arende.objects.visible_to(request.user, request.uppdrag)
    qs, flik, fel = _filtrera(request, bas, g)
    sortering = sortera(g, list(SORTERING), "vardgaranti")
    ordning = [f"-{f}" if sortering.fallande else f for f in SORTERING[sortering.sort]]
    if g.get("export") in {"csv", "xlsx"}:
        return _exportera(request, qs.order_by(*ordning, "id"), g["export"])
    # Due call-backs head the list (earliest first), whatever the sort below them.
    nu = timezone.now()
    qs = qs.annotate(
        ring_nu=Case(When(aterringning__lte=nu, then=F("aterringning")), default=None, output_field=DateTimeField())
    )
    sida_ordning = [F("ring_nu").asc(nulls_last=True), *ordning]
    # Only what the rows show (and the access log needs); the kva and receiving-unit rows are not shown.
    qs = (
        qs.select_related("handlaggare")
        .only(*RAD_FALT, *IDENTITET_FALT, "handlaggare__namn")
        .order_by(*sida_ordning, "id")
    )
    sida = Paginator(qs, PER_SIDA).get_page(g.get("sida"))
    rader = list(sida.object_list)
    visningar = identitet.visa(request, rader, "arbetslista", logga=False)
    logga(request, rader, "arbetslista", identitet_lasta=[a for a in rader if visningar[a.pk].identitet is not None])
    idag = timezone.localdate()
    fulla, post, svar = _erbjudande_markeringar(rader, hemregion=not ar_mottagare(request))
    for a in rader:
        a.post_uppgift = a.pk in post
        a.digitalt_svar = svar.get(a.pk, "")
        a.kvar = (a.vardgaranti_datum - idag).days
        a.visning = visningar[a.pk]
        a.rad_full = a.pk in fulla
    mottagare = ar_mottagare(request)
    # Navigators and coordinators (not receiving units) act for a region.
    handlaggare = [] if mottagare else handlaggare_kandidater(cast(str, request.uppdrag.region_id))
    kva_val = KvaGrupp.objects.filter(kod__in=bas.values("kva_id")).order_by("kod").values_list("kod", "benamning")
    ctx = {
        "sida": sida,
        "rader": rader,
        "flik": flik,
        "fel": fel,
        "mottagare": mottagare,
        "rader_html": rader_html(rader, mottagare=mottagare, snart=SNART_DAGAR),
        "steg_options": options(((nr, f"{nr}. {namn}") for nr, namn in STEG_NAMN.items()), g.get("steg")),
        "status_options": options(Status.choices, g.get("status")),
        "kva_options": options(((kod, f"{kod} {ben}".strip()) for kod, ben in kva_val), g.get("kva")),
        "handlaggare_options": options(((u.pk, u.namn) for u in handlaggare), g.get("handlaggare")),
        "g": g,
        "snart": SNART_DAGAR,
        "exempel_id": case_ids.EXEMPEL,
        "sortering": sortering,
        "export_query": _utan(g, "sida", "export"),
        "pnr_sokning": request.method == "POST" and not fel,
    }
    status = 422 if request.method == "POST" and fel else 200
    return render_page_or_fragment(request, "arenden/lista.html", ctx, fragment="resultat", status=status)


def _erbjudande_markeringar(rader, *, hemregion: bool) -> tuple[set[int], set[int], dict[int, str]]:
    """The rows' offer badges from one read of their offers: cases with an open offer on a full line (one more query
    only when an open offer is on an agreement line, kapacitet.fulla_erbjudanden), and for the home region (not a
    receiving unit) its tasks of issue 18, a letter to send and a digital answer to act on."""
    if not rader:
        return set(), set(), {}
    villkor = Q(status=Erbjudande.Status.LAMNAT, avtalsrad__isnull=False)
    markeringar = {}
    if hemregion:
        post, svar = vantar_pa_post_villkor(), digitalt_svar_villkor()
        markeringar = {
            "post": ExpressionWrapper(post, output_field=BooleanField()),
            "svar": ExpressionWrapper(svar, output_field=BooleanField()),
        }
        villkor = villkor | post | svar
    erbjudanden = list(
        Erbjudande.objects.filter(arende_id__in=[a.pk for a in rader])
        .filter(villkor)
        .annotate(**markeringar)
        .only("arende_id", "status", "avtalsrad_id")
    )
    fulla = fulla_erbjudanden(erbjudanden)
    svarade = [(e.arende_id, e.status) for e in erbjudanden if getattr(e, "svar", False)]
    return (
        {e.arende_id for e in erbjudanden if e.pk in fulla},
        {e.arende_id for e in erbjudanden if getattr(e, "post", False)},
        patientkanal.digitala_svar_text(svarade),
    )


def _utan(params, *nycklar: str) -> str:
    p = params.copy()
    for k in nycklar:
        p.pop(k, None)
    return p.urlencode()


def _exportera(request, qs, format: str) -> HttpResponse:
    """The worklist selection as CSV/XLSX: case facts only, never a name or personnummer; each case is logged."""
    arenden = list(qs.select_related("handlaggare", "mottagande_enhet").only(*EXPORT_FALT)[:EXPORT_MAX])
    logga(request, arenden, "arbetslista export")
    idag = timezone.localdate()
    rader = [
        [
            a.case_id,
            a.kva_id,
            str(a.steg),
            a.get_status_display(),
            fmt.datum(a.vardgaranti_datum),
            kvar_text(a.dagar_kvar(idag)) if a.vardgaranti_bevakas else "vården utförd" if a.utfort_datum else "",
            a.handlaggare.namn if a.handlaggare else "",
            a.mottagande_enhet.namn if a.mottagande_enhet else "",
            fmt.datum(a.planerat_datum),
        ]
        for a in arenden
    ]
    region = request.uppdrag.region_id or "enhet"
    return tabell_export(f"arenden_{region}_{fmt.datum(idag)}", EXPORT_KOLUMNER, rader, format=format)


LOGG_PER_SIDA = 50
FEL_DATUM = "{falt}: ”{varde}” är inget datum. Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-12-07."
FEL_DATUM_ORDNING = "Från-datumet ligger efter till-datumet; visar alla datum."
LOGG_KOLUMNER = ["Tid", "HSA-id", "Medarbetaruppdrag", "Ärende", "Handling", "IP-adress"]
LOGG_PNR = (
    "Loggen innehåller inga personnummer: sök på ärende-id eller HSA-id. Det du skrev visas inte här och sparas inte."
)


def _logg_datum(varde: str | None, falt: str, fel: list[str]) -> date | None:
    varde = (varde or "").strip()
    if not varde:
        return None
    try:
        return date.fromisoformat(varde)
    except ValueError:
        fel.append(FEL_DATUM.format(falt=falt, varde=citera(varde)))
        return None


def _logg_rad(r: Atkomstlogg) -> list[str]:
    return [
        fmt.tidpunkt(r.tidpunkt, sekunder=True),
        r.hsa_id,
        r.uppdrag,
        r.case_id,
        handling_text(r.handling, r.sokterm),
        r.ip or "",
    ]


@never_cache
@require_safe
@require_perm("arenden.loggkontroll")
def loggkontroll(request: BehorigRequest) -> HttpResponse:
    """Coordinators review who read their region's cases, by case ID or HSA-id and date; CSV/XLSX export."""
    region = cast(str, request.uppdrag.region_id)  # a coordinator acts for a region
    qs = Atkomstlogg.objects.filter(region_kod=region)
    g = request.GET
    q = (g.get("q") or "").strip()
    fel: list[str] = []
    if q and _ar_personnummerlikt(q):  # the log holds no personnummer; one typed here goes no further than this URL
        return _utan_personnummer(request, LOGG_PNR)
    if q:
        if case_ids.looks_like_case_id(q):
            try:
                qs = qs.filter(case_id=case_ids.normalise(q))
            except ValidationError as exc:
                fel.append(exc.messages[0])
                qs = qs.none()
        else:
            qs = qs.filter(Q(hsa_id__iexact=q))
    fran, till = _logg_datum(g.get("fran"), "Från", fel), _logg_datum(g.get("till"), "Till", fel)
    if fran and till and fran > till:
        fel.append(FEL_DATUM_ORDNING)
        fran = till = None
    tz = timezone.get_current_timezone()
    if fran:
        qs = qs.filter(tidpunkt__gte=datetime.combine(fran, time.min, tzinfo=tz))
    if till:
        qs = qs.filter(tidpunkt__lt=datetime.combine(till + timedelta(days=1), time.min, tzinfo=tz))
    export = g.get("export") if g.get("export") in {"csv", "xlsx"} else ""
    # The review is logged for the coordinator's region; what was typed is a search term, not an access to the case
    # it may name (which can be another region's).
    Atkomstlogg.objects.create(
        hsa_id=request.user.hsa_id,
        uppdrag=request.uppdrag.etikett,
        region_kod=region,
        case_id="",
        handling="loggkontroll, sökning" if q else "loggkontroll",
        sokterm=maskera_i_text(q)[:100],  # a personnummer typed here is never stored
        ip=request.META.get("REMOTE_ADDR") or None,
    )
    qs = qs.order_by("-tidpunkt", "-id")
    if export:
        period = f"{fran or 'start'}_{till or timezone.localdate()}"
        rader = (_logg_rad(r) for r in qs.iterator(chunk_size=2000))
        return tabell_export(f"loggkontroll_{region}_{period}", LOGG_KOLUMNER, rader, format=export)
    sida = Paginator(qs, LOGG_PER_SIDA).get_page(g.get("sida"))
    for r in sida.object_list:
        r.handling_text = handling_text(r.handling, r.sokterm)
    ctx = {"sida": sida, "q": q, "fran": fran, "till": till, "fel": fel}
    return render(request, "arenden/logg.html", ctx)
