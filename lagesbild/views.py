"""Lägesbild pages: comparison table, unit view (18 months) and Väntetidsdatabasen."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from katalog import api as katalog_api
from katalog.models import KvaGrupp, Vardenhet
from lagesbild import tabell
from lagesbild.api import REGISTER, kallor_for_kva, kallstatus, senaste_leveranser, tackning
from lagesbild.enhetsvy import kva_serier
from lagesbild.vantetidsvy import vantetider_data
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment, wants_fragment
from vardformedling.models import Region


def _kallor(status: list[dict]) -> dict:
    return {"kallstatus": status, "inaktuella": [s for s in status if s["inaktuell"]]}


def _sortlankar(val: tabell.Val) -> dict:
    """Per column: the URL that sorts by it (a second click reverses) and, on the sorted column, its aria-sort."""
    lankar = {}
    for key in tabell.KOLUMNER:
        aktiv = key == val.sort
        ny = "fallande" if aktiv and not val.fallande else "stigande"
        lankar[key] = {
            "url": "?" + urlencode(val.params(sort=key, ordning=ny)),
            "aria": ("descending" if val.fallande else "ascending") if aktiv else None,
            "pil": ("▼" if val.fallande else "▲") if aktiv else "",
        }
    return lankar


@require_GET
@require_perm("lagesbild.visa")
def tabell_view(request: HttpRequest) -> HttpResponse:
    """The comparison table; every choice is in the URL so a view can be shared and bookmarked."""
    regioner = list(Region.objects.all())
    val = tabell.las_val(request.GET, regioner=regioner)
    kva = val.kva
    leveranser = senaste_leveranser()
    kallor = kallor_for_kva(kva.register) if kva else list(REGISTER)
    status = kallstatus(kallor, leveranser=leveranser)
    rader: list = []
    riket: list = []
    sida = None
    if kva:
        rader, riket = tabell.hamta_rader(
            kva=kva,
            matperiod=tabell.PERIODER[val.period],
            urval=val.urval,
            niva=val.niva,
            leveranser=leveranser,
            region=val.region.kod if val.region else None,
        )
        if val.niva == "region" and (rader or riket):
            rader = tabell.med_saknade_regioner(rader, [val.region] if val.region else regioner)
        rader = tabell.sortera(rader, val.sort, val.fallande)
        sida = tabell.sidan(rader, val)
        tabell.for_visning([*riket, *sida.object_list], kva=kva)
    context = {
        "val": val,
        "text": val.text,
        "kva": kva,
        "kandidater": val.kandidater,
        "alla_kva": KvaGrupp.objects.only("kod", "benamning"),
        "regioner": regioner,
        "perioder": tabell.PERIODER,
        "nivaer": tabell.NIVAER,
        "urval_val": tabell.urval_for(kva),
        "sortlankar": _sortlankar(val),
        "sort_namn": tabell.KOLUMN_NAMN[val.sort],
        "sida": sida,
        "riket": riket,
        "visa_asa": any(r.kalla == "SPOR" for r in [*rader, *riket]),
        "antal_rader": len(rader),
        "antal_saknas": sum(r.saknas for r in rader),
        "sida_params": urlencode(val.params()),
        "tackning": tackning(kva=kva, leveranser=leveranser),
        **_kallor(status),
    }
    # HTMX (aimed at #resultat): the result, the urval field out of band (its options follow the KVÅ group's
    # register, and the server may have reset the value), the emptied suggestions, and the canonical URL pushed
    # instead of the submitted one.
    response = render_page_or_fragment(
        request,
        "lagesbild/tabell.html",
        context,
        fragment="resultat",
        target="resultat",
        oob=["urval_falt", "kva_forslag_tomt"],
    )
    if wants_fragment(request, target="resultat"):
        response["HX-Push-Url"] = val.url(**({"sida": sida.number} if sida and sida.number > 1 else {}))
    return response


@require_GET
@require_perm("lagesbild.visa")
def kva_forslag(request: HttpRequest) -> HttpResponse:
    """HTMX autocomplete: up to 10 KVÅ groups matching the typed text, as links (works as plain links too)."""
    _kva, kandidater = katalog_api.hitta_kva(request.GET.get("kva", ""))
    if _kva:
        kandidater = [_kva]
    base = {k: request.GET.get(k, "") for k in ("period", "niva", "region") if request.GET.get(k)}
    forslag = [{"kva": k, "url": "?" + urlencode({**base, "kva": k.kod})} for k in kandidater[:10]]
    return render(request, "lagesbild/_kva_forslag.html", {"forslag": forslag})


def _get_vardenhet(hsa_id: str) -> Vardenhet:
    return get_object_or_404(Vardenhet.objects.select_related("region"), hsa_id=hsa_id)


@require_GET
@require_perm("lagesbild.visa")
def enhet_view(request: HttpRequest, hsa_id: str) -> HttpResponse:
    """One unit: per KVÅ group the median per month for the last 18 months, trend and latest figures."""
    enhet = _get_vardenhet(hsa_id)
    leveranser = senaste_leveranser()
    grupper = kva_serier(enhet=enhet, leveranser=leveranser)
    # Warn about the registers whose figures the page shows (both when it shows none: one may be missing).
    kallor = sorted({g["kalla"] for g in grupper}) or list(REGISTER)
    status = kallstatus(kallor, leveranser=leveranser)
    context = {"enhet": enhet, "grupper": grupper, "tackning": tackning(kallor=kallor), **_kallor(status)}
    return render(request, "lagesbild/enhet.html", context)


@require_GET
@require_perm("lagesbild.visa")
def vantetider_view(request: HttpRequest) -> HttpResponse:
    """Väntetidsdatabasen: waiting, of those > 90 days, new and performed per month; nationally or per region."""
    status = kallstatus(["VANTETIDER"])
    data = vantetider_data(
        region=request.GET.get("region", "00"),
        vardomrade=request.GET.get("vardomrade", ""),
        period=request.GET.get("period", ""),
    )
    context = {**data, "tackning": tackning(kallor=["VANTETIDER"]), **_kallor(status)}
    return render(request, "lagesbild/vantetider.html", context)
