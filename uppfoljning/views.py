"""The follow-up page (/uppfoljning/), its table exports and the monthly report downloads."""

from urllib.parse import urlencode

from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.http import require_GET

from katalog import api as katalog_api
from uppfoljning import export, reports
from uppfoljning.statistik import TABELLER, berakna_cachad, sida_cachad
from uppfoljning.urval import SOM, UTFALL, urval_fran_request
from vardformedling import referensdata
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment
from vardformedling.models import Roll

EXPORT_FEL = "Okänd tabell att exportera: välj en av tabellerna på sidan."


def _region_for_user(request) -> str | None:
    """Reports belong to a region: a coordinator's own; administrators (national) have none."""
    u = request.uppdrag
    return u.region_id if u is not None and u.roll == Roll.KOORDINATOR else None


def _export(request, urval, namn: str, format: str) -> HttpResponse:
    if namn not in TABELLER:
        return HttpResponse(EXPORT_FEL, status=400, content_type="text/plain; charset=utf-8")
    tabeller = list(berakna_cachad(urval, export=True, endast=namn).values())
    stamp = f"{urval.fran:%Y%m%d}-{urval.till:%Y%m%d}"
    region = urval.region or "riket"
    filnamn = f"uppfoljning_{namn}_{region}_{stamp}"
    if format == "xlsx":
        resp = HttpResponse(export.xlsx_bytes(tabeller), content_type=export.XLSX_TYP)
        resp["Content-Disposition"] = f'attachment; filename="{filnamn}.xlsx"'
    else:
        resp = HttpResponse(export.csv_bytes(tabeller), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="{filnamn}.csv"'
    resp["Cache-Control"] = "no-store"
    return resp


@require_GET
@require_perm("uppfoljning.visa")
def uppfoljning(request: BehorigRequest) -> HttpResponse:
    """Aggregated figures of the selection in the URL; coordinators see their region, administrators the country."""
    urval = urval_fran_request(request.GET, request.uppdrag)
    if request.GET.get("export"):
        return _export(request, urval, request.GET["export"], request.GET.get("format", "csv"))
    data = sida_cachad(urval)
    query = urlencode(urval.params())
    region_kod = _region_for_user(request)
    kva_grupper = katalog_api.kva_grupper()  # reference data: no query while unchanged
    regioner = referensdata.regioner()
    context = {
        "urval": urval,
        "tabeller": data["tabeller"],
        "query": query,
        "som_val": SOM,
        "utfall_val": UTFALL,
        "regioner": regioner if not urval.region_last else [],
        "region_namn": next((r.namn for r in regioner if r.kod == urval.region), ""),
        "kva_grupper": kva_grupper,
        "vardomraden": sorted({k.vardomrade for k in kva_grupper if k.vardomrade}),
        "vardgivare": data["vardgivare"],
        "tabeller_html": data["tabeller_html"],
        "vardgivare_html": data["vardgivare_html"],
        "rapporter": reports.rapporter_for_region(region_kod),
        "ar_koordinator": region_kod is not None,
    }
    return render_page_or_fragment(
        request, "uppfoljning/sida.html", context, fragment="resultat", target="uppfoljning-resultat"
    )


@require_GET
@require_perm("uppfoljning.visa")
def rapport_ladda_ner(request: BehorigRequest, filnamn: str) -> FileResponse:
    """Serves a monthly report of the user's own region only; anything else is 404 (no probing of other regions)."""
    path = reports.rapportfil(_region_for_user(request), filnamn)
    if path is None:
        raise Http404("Rapporten finns inte.")
    resp = FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
    resp["Cache-Control"] = "no-store"
    return resp
