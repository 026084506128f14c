"""Agreement list (filters, sorting, export) and one agreement with its lines and volume bars."""

from datetime import timedelta

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from avtal.listning import SORTERING, STATUSAR, UPPHOR_DAGAR, exportera, filtrera, status_for
from avtal.models import Avtal, Avtalsrad, Avtalstyp
from katalog.models import KvaGrupp, Vardgivare
from vardformedling import format as fmt
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment
from vardformedling.models import Region
from vardformedling.sortering import sortering

VARNING_GRANSER = (95, 80)


def _min_region(request: HttpRequest) -> str | None:
    uppdrag = getattr(request, "uppdrag", None)
    if uppdrag and uppdrag.region_id:
        return uppdrag.region_id
    if uppdrag and uppdrag.vardenhet_id:
        return uppdrag.vardenhet.region_id
    return None


@require_safe
@require_perm("avtal.visa")
def lista(request: HttpRequest) -> HttpResponse:
    idag = timezone.localdate()
    qs, valt = filtrera(
        Avtal.objects.select_related("avtalsagare", "vardgivare"),
        request.GET,
        region_kod=_min_region(request),
        idag=idag,
    )
    if request.GET.get("format") in {"csv", "xlsx"}:
        return exportera(qs, request.GET["format"])
    sida = Paginator(qs.prefetch_related("rader"), 25).get_page(request.GET.get("sida"))
    for a in sida.object_list:
        a.status_text, a.status_niva = status_for(a, idag)
    params = request.GET.copy()
    params.pop("sida", None)
    params.pop("format", None)
    sort_params = request.GET.copy()
    sort_params["sort"], sort_params["ordning"] = valt["sort"], valt["ordning"]
    context = {
        "sida": sida,
        "sortering": sortering(sort_params, list(SORTERING), "avtal"),
        "valt": valt,
        "query": params.urlencode(),
        "regioner": Region.objects.all(),
        "vardgivare": Vardgivare.objects.filter(avtal__isnull=False).distinct().order_by("namn"),
        "kva_grupper": KvaGrupp.objects.filter(avtalsrader__isnull=False).distinct().order_by("kod"),
        "typer": Avtalstyp.choices,
        "statusar": STATUSAR,
        "min_region": _min_region(request),
    }
    return render_page_or_fragment(request, "avtal/lista.html", context, fragment="resultat")


def _get_avtal_for_user(request: HttpRequest, avtal_id: str) -> list[Avtal]:
    """Everyone with `avtal.visa` reads every agreement; the same id may exist for several owners."""
    qs = Avtal.objects.filter(avtal_id=avtal_id).select_related("avtalsagare", "vardgivare")
    if agare := request.GET.get("agare"):
        qs = qs.filter(avtalsagare_id=agare)
    avtal = list(qs)
    if not avtal:
        raise Http404("Avtalet finns inte.")
    return avtal


def radvarningar(rad: Avtalsrad) -> tuple[str, str] | None:
    """(text, level) when a capped line has passed 80 % or 95 % of its volume."""
    andel = rad.andel_procent
    if andel is None:
        return None
    for grans in VARNING_GRANSER:
        if andel >= grans:
            niva = "err" if grans == 95 else "warn"
            tak = fmt.antal(rad.takvolym)
            return f"{rad.kva_id}: {fmt.procent(andel)} av takvolymen ({tak}) är använd eller reserverad", niva
    return None


@require_safe
@require_perm("avtal.visa")
def detalj(request: HttpRequest, avtal_id: str) -> HttpResponse:
    avtal = _get_avtal_for_user(request, avtal_id)
    if len(avtal) > 1:
        return render(request, "avtal/valj_agare.html", {"avtal": avtal, "avtal_id": avtal_id})
    return render(request, "avtal/detalj.html", detalj_context(request, avtal[0].pk))


def detalj_context(request: HttpRequest, pk: int, *, form=None, samverkan_form=None) -> dict:
    """Everything the agreement page shows; the volume report view re-renders its part with the same context."""
    from avtal.volym import RapportForm, far_rapportera, fordelning

    a = (
        Avtal.objects.select_related("avtalsagare", "vardgivare")
        .prefetch_related(
            "vardenheter__region",
            "far_nyttjas_av",
            Prefetch("rader", queryset=Avtalsrad.objects.select_related("kva").med_volym()),
        )
        .get(pk=pk)
    )
    idag = timezone.localdate()
    status_text, status_niva = status_for(a, idag)
    varningar = []
    if idag <= a.giltig_till <= idag + timedelta(days=UPPHOR_DAGAR):
        varningar.append((f"Avtalet upphör {a.giltig_till} ({(a.giltig_till - idag).days} dagar kvar).", "warn"))
    rader = list(a.rader.all())
    for r in rader:
        if v := radvarningar(r):
            varningar.append(v)
    enheter = list(a.vardenheter.all())
    if not enheter:
        enheter = list(a.vardgivare.vardenheter.select_related("region").order_by("namn"))
        alla_enheter = True
    else:
        alla_enheter = False
    region_kod = _min_region(request)
    far_nyttja = bool(
        region_kod
        and (
            a.avtalsagare_id == region_kod
            or a.far_nyttjas_av_alla
            or region_kod in {r.kod for r in a.far_nyttjas_av.all()}
        )
    )
    uppdrag = getattr(request, "uppdrag", None)
    kan_rapportera = request.user.has_perm("avtal.rapportera_volym") and far_rapportera(uppdrag, a)
    if kan_rapportera and form is None:
        initial = {"manad": fmt.datum(idag)[:7], "region": region_kod}
        form = RapportForm(avtal=a, initial=initial)
    if request.user.has_perm("avtal.samverkan") and uppdrag and uppdrag.region_id == a.avtalsagare_id:
        from avtal.views_samverkan import SamverkanForm

        for r in rader:
            bunden = samverkan_form is not None and samverkan_form.instance.pk == r.pk
            r.samverkan_form = samverkan_form if bunden else SamverkanForm(instance=r, prefix=f"samverkan-{r.pk}")
    return {
        "a": a,
        "rader": rader,
        "enheter": enheter,
        "alla_enheter": alla_enheter,
        "status_text": status_text,
        "status_niva": status_niva,
        "varningar": varningar,
        "far_nyttja": far_nyttja,
        "min_region": region_kod,
        "fordelning": fordelning(rader),
        "kan_rapportera": kan_rapportera,
        "rapport_form": form if kan_rapportera else None,
    }
