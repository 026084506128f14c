"""The worklist (/arenden/) and access-log review (loggkontroll)."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from arenden import case_id as case_ids
from arenden.access import ar_mottagare, logga
from arenden.models import STEG_FOR_STATUS, STEG_NAMN, Arende, Atkomstlogg, Status
from arenden.services import handlaggare_kandidater
from arenden.views.lista_html import options, rader_html
from katalog.models import KvaGrupp
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment
from vardformedling.indata import heltal

PER_SIDA = 25
RAD_FALT = (
    "case_id",
    "region_id",
    "namn",
    "personnummer",
    "kva_id",
    "status",
    "avslutad_i_steg",
    "vardgaranti_datum",
    "planerat_datum",
    "handlaggare_id",
)
SNART_DAGAR = 14


def _filtrera(request, qs):
    """URL-driven filters. A case-ID search looks in every case the user may see, whatever tab or filter."""
    g = request.GET
    flik = g.get("flik") or ("enhet" if ar_mottagare(request) else "mina")
    q = (g.get("q") or "").strip()
    if q:
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
    return qs, flik, ""


@never_cache
@require_safe
@require_perm("arenden.visa")
def arende_lista(request: HttpRequest) -> HttpResponse:
    """Worklist sorted by guarantee deadline; one access-log row per case row shown."""
    bas = Arende.objects.visible_to(request.user, request.uppdrag)
    qs, flik, fel = _filtrera(request, bas)
    # Only what the rows show (and the access log needs); the kva and receiving-unit rows are not shown.
    qs = qs.select_related("handlaggare").only(*RAD_FALT, "handlaggare__namn").order_by("vardgaranti_datum", "id")
    sida = Paginator(qs, PER_SIDA).get_page(request.GET.get("sida"))
    rader = list(sida.object_list)
    logga(request, rader, "arbetslista")
    idag = timezone.localdate()
    for a in rader:
        a.kvar = (a.vardgaranti_datum - idag).days
    params = request.GET.copy()
    params.pop("sida", None)
    mottagare = ar_mottagare(request)
    g = request.GET
    handlaggare = [] if mottagare else handlaggare_kandidater(request.uppdrag.region_id)
    kva_val = KvaGrupp.objects.filter(kod__in=bas.values("kva_id")).order_by("kod").values_list("kod", "benamning")
    ctx = {
        "sida": sida,
        "rader": rader,
        "flik": flik,
        "fel": fel,
        "mottagare": mottagare,
        "querystring": params.urlencode(),
        "rader_html": rader_html(rader, mottagare=mottagare, snart=SNART_DAGAR),
        "steg_options": options(((nr, f"{nr}. {namn}") for nr, namn in STEG_NAMN.items()), g.get("steg")),
        "status_options": options(Status.choices, g.get("status")),
        "kva_options": options(((kod, f"{kod} {ben}".strip()) for kod, ben in kva_val), g.get("kva")),
        "handlaggare_options": options(((u.pk, u.namn) for u in handlaggare), g.get("handlaggare")),
        "g": request.GET,
        "snart": SNART_DAGAR,
    }
    return render_page_or_fragment(request, "arenden/lista.html", ctx, fragment="resultat")


@never_cache
@require_safe
@require_perm("arenden.loggkontroll")
def loggkontroll(request: HttpRequest) -> HttpResponse:
    """Coordinators review who read their region's cases, by case ID or HSA-id."""
    region = request.uppdrag.region_id
    qs = Atkomstlogg.objects.filter(region_kod=region)
    q = (request.GET.get("q") or "").strip()
    fel = ""
    if q:
        if case_ids.looks_like_case_id(q):
            try:
                qs = qs.filter(case_id=case_ids.normalise(q))
            except ValidationError as exc:
                fel = exc.messages[0]
                qs = qs.none()
        else:
            qs = qs.filter(Q(hsa_id__iexact=q))
    Atkomstlogg.objects.create(
        hsa_id=request.user.hsa_id,
        uppdrag=request.uppdrag.etikett,
        region_kod=region,
        case_id=case_ids.normalise(q) if q and not fel and case_ids.looks_like_case_id(q) else "",
        handling=f"loggkontroll: {q}"[:100] if q else "loggkontroll",
        ip=request.META.get("REMOTE_ADDR") or None,
    )
    sida = Paginator(qs.order_by("-tidpunkt", "-id"), 50).get_page(request.GET.get("sida"))
    params = request.GET.copy()
    params.pop("sida", None)
    return render(request, "arenden/logg.html", {"sida": sida, "q": q, "fel": fel, "querystring": params.urlencode()})
