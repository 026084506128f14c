"""Cells of CSV/XLSX exports: values from uploaded files never run as spreadsheet formulas; one table writer."""

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse

FARLIGA_TECKEN = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYP = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralisera(varde) -> object:
    """Spreadsheet formula injection: a text cell starting with = + - @ (or tab, CR) is prefixed with ' so it stays
    text."""
    if isinstance(varde, str) and varde.startswith(FARLIGA_TECKEN):
        return "'" + varde
    return varde


def tabell_export(filnamn: str, kolumner: list[str], rader: Iterable[list], *, format: str) -> HttpResponse:
    """A table as a download: CSV (semicolons, UTF-8 with BOM, for Swedish Excel) or XLSX (one sheet), every cell
    neutralised. Cells are written as given: callers pass text formatted by vardformedling.format, so the file
    reads like the page. `filnamn` without extension; it must never hold personal data."""
    if format == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet(filnamn[:31])
        ws.append([neutralisera(k) for k in kolumner])
        for rad in rader:
            ws.append([neutralisera(c) for c in rad])
        buf = io.BytesIO()
        wb.save(buf)
        resp = HttpResponse(buf.getvalue(), content_type=XLSX_TYP)
    else:
        resp = HttpResponse(content_type="text/csv; charset=utf-8")
        resp.write("\ufeff")
        w = csv.writer(resp, delimiter=";", lineterminator="\r\n")
        w.writerow([neutralisera(k) for k in kolumner])
        w.writerows([neutralisera(c) for c in rad] for rad in rader)
        format = "csv"
    resp["Content-Disposition"] = f'attachment; filename="{filnamn}.{format}"'
    resp["Cache-Control"] = "no-store"
    return resp
