"""CSV and XLSX of the follow-up tables: aggregates only, small counts suppressed, formula-like cells neutralised.

The tables hold no personal data by construction (counts, sums, region/provider/agreement names); the
neutralisation reuses the agreement export's rule, since provider and agreement names come from uploaded files.
"""

import csv
import io
from collections.abc import Iterable

from uppfoljning.tabell import Cell, Tabell
from vardformedling.export import neutralisera

XLSX_TYP = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# XLSX keeps numbers as numbers, shown with the same unit as the page ("67 %", "12 900 kr"; Excel puts in the
# reader's own digit grouping).
XLSX_FORMAT = {"antal": "#,##0", "kr": '#,##0 "kr"', "procent": "0 %", "dagar": "0.0"}


def rader(t: Tabell) -> Iterable[list]:
    yield [neutralisera(k) for k in t.kolumner]
    for r in t.rader:
        yield [neutralisera(c.export) for c in r]


def _xlsx_cell(ws, c: Cell):
    from openpyxl.cell import WriteOnlyCell

    if c.dold or c.varde is None or c.typ not in XLSX_FORMAT:
        return neutralisera(c.export)
    varde = float(c.varde) / 100 if c.typ == "procent" else float(c.varde) if c.typ != "antal" else int(c.varde)
    cell = WriteOnlyCell(ws, value=varde)
    cell.number_format = XLSX_FORMAT[c.typ]
    return cell


def csv_bytes(tabeller: Iterable[Tabell], *, rubriker: bool = False) -> bytes:
    """Semicolon-separated UTF-8 with BOM (opens in Swedish Excel); several tables separated by a title row."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    for i, t in enumerate(tabeller):
        if rubriker:
            if i:
                w.writerow([])
            w.writerow([neutralisera(t.rubrik)])
        w.writerows(rader(t))
    return buf.getvalue().encode("utf-8")


def _bladnamn(rubrik: str, anvanda: set[str]) -> str:
    namn = "".join(c for c in rubrik if c not in "[]:*?/\\")[:31] or "Tabell"
    bas, n = namn, 2
    while namn in anvanda:
        namn = f"{bas[:28]} {n}"
        n += 1
    anvanda.add(namn)
    return namn


def xlsx_bytes(tabeller: Iterable[Tabell]) -> bytes:
    """One sheet per table."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    anvanda: set[str] = set()
    for t in tabeller:
        ws = wb.create_sheet(_bladnamn(t.rubrik, anvanda))
        ws.append([neutralisera(k) for k in t.kolumner])
        for r in t.rader:
            ws.append([_xlsx_cell(ws, c) for c in r])
    if not anvanda:
        wb.create_sheet("Tom")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
