"""The agreement list's filters, sorting and export (CSV/XLSX with formula neutralisation)."""

import csv
import io
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpResponse

from avtal.models import Avtal, AvtalQuerySet, Avtalsrad, Avtalstyp
from vardformedling.export import neutralisera
from vardformedling.indata import heltal

SORTERING = {
    "avtal": ("avtal_id", "avtalsagare_id"),
    "agare": ("avtalsagare_id", "avtal_id"),
    "vardgivare": ("vardgivare__namn", "avtal_id"),
    "typ": ("avtalstyp", "avtal_id"),
    "giltig_till": ("giltig_till", "avtal_id"),
}
GAMLA_SORTERINGAR = {"-giltig_till": ("giltig_till", "fallande")}  # the old "Upphör sist" value keeps working
STATUSAR = {"giltigt": "Giltigt nu", "upphor": "Upphör inom 60 dagar", "upphort": "Upphört", "kommande": "Ej börjat"}
UPPHOR_DAGAR = 60


def filtrera(qs: AvtalQuerySet, params, *, region_kod: str | None, idag: date) -> tuple[AvtalQuerySet, dict]:
    """Apply the GET filters; returns the queryset and the cleaned values (unknown values are ignored)."""
    v = {
        "agare": params.get("agare", "").strip(),
        "vardgivare": params.get("vardgivare", "").strip(),
        "kva": params.get("kva", "").strip().upper(),
        "typ": params.get("typ", "").strip(),
        "status": params.get("status", "").strip(),
        "min_region": params.get("min_region") == "1",
        "sort": params.get("sort", "avtal"),
        "ordning": "fallande" if params.get("ordning") == "fallande" else "stigande",
    }
    if v["sort"] in GAMLA_SORTERINGAR:
        v["sort"], v["ordning"] = GAMLA_SORTERINGAR[v["sort"]]
    if v["agare"]:
        qs = qs.filter(avtalsagare_id=v["agare"])
    if (vardgivare := heltal(v["vardgivare"])) is not None:
        qs = qs.filter(vardgivare_id=vardgivare)
    if v["kva"]:
        qs = qs.filter(Exists(Avtalsrad.objects.filter(avtal_id=OuterRef("pk"), kva_id=v["kva"])))
    if v["typ"] in Avtalstyp.values:
        qs = qs.filter(avtalstyp=v["typ"])
    if v["status"] == "giltigt":
        qs = qs.giltiga(idag)
    elif v["status"] == "upphor":
        qs = qs.upphor_inom(idag, UPPHOR_DAGAR)
    elif v["status"] == "upphort":
        qs = qs.upphorda(idag)
    elif v["status"] == "kommande":
        qs = qs.filter(giltig_fran__gt=idag)
    if v["min_region"] and region_kod:
        qs = qs.nyttjbara_av(region_kod)
    if v["sort"] not in SORTERING:
        v["sort"] = "avtal"
    falt = SORTERING[v["sort"]]
    if v["ordning"] == "fallande":
        falt = (f"-{falt[0]}", *falt[1:])
    return qs.order_by(*falt), v


def status_for(a: Avtal, idag: date) -> tuple[str, str]:
    """(text, badge modifier) for an agreement's validity today."""
    if a.giltig_till < idag:
        return "Upphört", "err"
    if a.giltig_fran > idag:
        return "Ej börjat", "info"
    if a.giltig_till <= idag + timedelta(days=UPPHOR_DAGAR):
        return f"Upphör {a.giltig_till}", "warn"
    return "Giltigt", "ok"


EXPORT_KOLUMNER = [
    "avtal_id",
    "avtalsagare_region_kod",
    "vardgivare",
    "vardgivare_orgnr",
    "avtalstyp",
    "giltig_fran",
    "giltig_till",
    "forlangning_till",
    "far_nyttjas_av",
    "kva_grupper",
    "villkor",
    "kontakt",
]


def _villkor(rader) -> str:
    """The agreement's terms for the export: one text when every line has the same, else per KVÅ group."""
    olika = {r.villkor for r in rader if r.villkor}
    if len(olika) <= 1:
        return next(iter(olika), "")
    return " | ".join(f"{r.kva_id}: {r.villkor}" for r in rader if r.villkor)


def _export_rader(qs: QuerySet[Avtal]):
    for a in qs.select_related("vardgivare").prefetch_related("rader", "far_nyttjas_av").iterator(chunk_size=500):
        far = "alla" if a.far_nyttjas_av_alla else "|".join(r.kod for r in a.far_nyttjas_av.all())
        yield [
            neutralisera(x)
            for x in (
                a.avtal_id,
                a.avtalsagare_id,
                a.vardgivare.namn,
                a.vardgivare.orgnr,
                a.avtalstyp,
                a.giltig_fran.isoformat(),
                a.giltig_till.isoformat(),
                a.forlangning_till.isoformat() if a.forlangning_till else "",
                far,
                "|".join(r.kva_id for r in a.rader.all()),
                _villkor(a.rader.all()),
                a.kontakt,
            )
        ]


def exportera(qs: QuerySet[Avtal], format: str) -> HttpResponse:
    if format == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("Avtal")
        ws.append(EXPORT_KOLUMNER)
        for rad in _export_rader(qs):
            ws.append(rad)
        buf = io.BytesIO()
        wb.save(buf)
        resp = HttpResponse(
            buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        resp["Content-Disposition"] = 'attachment; filename="avtal.xlsx"'
        return resp
    resp = HttpResponse(content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="avtal.csv"'
    resp.write("\ufeff")
    writer = csv.writer(resp, delimiter=";")
    writer.writerow(EXPORT_KOLUMNER)
    writer.writerows(_export_rader(qs))
    return resp
