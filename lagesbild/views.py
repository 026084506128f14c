"""Lägesbild pages: comparison table, unit view (18 months) and Väntetidsdatabasen."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from katalog.models import KvaGrupp, Vardenhet
from lagesbild import tabell
from lagesbild.api import REGISTER, kallstatus, senaste_leveranser
from lagesbild.enhetsvy import kva_serier
from lagesbild.vantetidsvy import vantetider_data
from vardformedling.decorators import require_perm


def _kallor(status: list[dict]) -> dict:
    return {"kallstatus": status, "inaktuella": [s for s in status if s["inaktuell"]]}


@require_GET
@require_perm("lagesbild.visa")
def tabell_view(request: HttpRequest) -> HttpResponse:
    """The comparison table; every choice is in the URL so a view can be shared and bookmarked."""
    text = request.GET.get("kva", "").strip()
    period = request.GET.get("period", "90")
    period = period if period in tabell.PERIODER else "90"
    niva = request.GET.get("niva", "enhet")
    niva = niva if niva in tabell.NIVAER else "enhet"
    sort = request.GET.get("sort", "median")
    sort = sort if sort in tabell.KOLUMNER else "median"
    ordning = "fallande" if request.GET.get("ordning") == "fallande" else "stigande"
    kva, kandidater = tabell.hitta_kva(text)
    urval_val = tabell.urval_for(kva)
    urval = request.GET.get("urval", "alla")
    urval = urval if urval in dict(urval_val) else "alla"
    status = kallstatus(REGISTER)
    rader, riket, sida = [], [], None
    if kva:
        leveranser = senaste_leveranser()
        rader, riket = tabell.hamta_rader(
            kva=kva, matperiod=tabell.PERIODER[period], urval=urval, niva=niva, leveranser=leveranser
        )
        rader = tabell.sortera(rader, sort, ordning == "fallande")
        sida = Paginator(rader, tabell.PER_SIDA).get_page(request.GET.get("sida"))
        tabell.for_visning([*riket, *sida.object_list])
    params = {"kva": kva.kod if kva else text, "period": period, "niva": niva, "urval": urval}

    def sortlank(key: str) -> dict:
        ny = "fallande" if key == sort and ordning == "stigande" else "stigande"
        aria = ("ascending" if ordning == "stigande" else "descending") if key == sort else None
        return {"url": "?" + urlencode({**params, "sort": key, "ordning": ny}), "aria": aria}

    context = {
        "text": text,
        "kva": kva,
        "kandidater": kandidater,
        "alla_kva": KvaGrupp.objects.only("kod", "benamning"),
        "period": period,
        "perioder": tabell.PERIODER,
        "niva": niva,
        "nivaer": tabell.NIVAER,
        "urval": urval,
        "urval_val": urval_val,
        "sort": sort,
        "ordning": ordning,
        "sortlankar": {k: sortlank(k) for k in tabell.KOLUMNER},
        "sida": sida,
        "riket": riket,
        "visa_asa": any(r.kalla == "SPOR" for r in [*rader, *riket]),
        "antal_rader": len(rader),
        "sok_url": "/katalog/sok/?" + urlencode({"kva": kva.kod}) if kva else "",
        "sida_params": urlencode({**params, "sort": sort, "ordning": ordning}),
        **_kallor(status),
    }
    template = "lagesbild/tabell.html#resultat" if request.htmx and request.htmx.target == "resultat" else None
    return render(request, template or "lagesbild/tabell.html", context)


@require_GET
@require_perm("lagesbild.visa")
def kva_forslag(request: HttpRequest) -> HttpResponse:
    """HTMX autocomplete: up to 10 KVÅ groups matching the typed text, as links (works as plain links too)."""
    _kva, kandidater = tabell.hitta_kva(request.GET.get("kva", ""))
    if _kva:
        kandidater = [_kva]
    base = {k: request.GET.get(k, "") for k in ("period", "niva") if request.GET.get(k)}
    forslag = [{"kva": k, "url": "?" + urlencode({**base, "kva": k.kod})} for k in kandidater[:10]]
    return render(request, "lagesbild/_kva_forslag.html", {"forslag": forslag})


def _get_vardenhet(hsa_id: str) -> Vardenhet:
    return get_object_or_404(Vardenhet.objects.select_related("region"), hsa_id=hsa_id)


@require_GET
@require_perm("lagesbild.visa")
def enhet_view(request: HttpRequest, hsa_id: str) -> HttpResponse:
    """One unit: per KVÅ group the median per month for the last 18 months, trend and latest figures."""
    enhet = _get_vardenhet(hsa_id)
    status = kallstatus(REGISTER)
    grupper = kva_serier(enhet=enhet, leveranser=senaste_leveranser())
    return render(request, "lagesbild/enhet.html", {"enhet": enhet, "grupper": grupper, **_kallor(status)})


@require_GET
@require_perm("lagesbild.visa")
def vantetider_view(request: HttpRequest) -> HttpResponse:
    """Väntetidsdatabasen: waiting, of those > 90 days, new and performed per month; nationally or per region."""
    status = kallstatus(["VANTETIDER"])
    data = vantetider_data(region=request.GET.get("region", "00"), vardomrade=request.GET.get("vardomrade", ""))
    return render(request, "lagesbild/vantetider.html", {**data, **_kallor(status)})
