"""CSV and XLSX export of every table: aggregates only, counts below 5 suppressed, formula-like cells neutralised."""

import csv
import io

import openpyxl
import pytest

from arenden.models import Arende
from tests.uppfoljning.conftest import PATIENTNAMN, UTDELADE_PNR
from uppfoljning.statistik import TABELLER
from vardformedling.models import Roll

URL = "/uppfoljning/"


def _csv(resp) -> list[list[str]]:
    text = resp.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _personuppgifter() -> list[str]:
    pnr = list(UTDELADE_PNR)
    return [PATIENTNAMN, *pnr, *(p[:8] + "-" + p[8:] for p in pnr)]


def test_nyckeltal_csv_has_the_figures_of_the_page(kanda, client_for):
    resp = client_for(Roll.KOORDINATOR, "06").get(URL + "?kva=NGB&export=nyckeltal&format=csv")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("text/csv")
    assert resp["Content-Disposition"].startswith('attachment; filename="uppfoljning_nyckeltal_06_')
    rader = {r[0]: r[1] for r in _csv(resp)[1:]}
    assert _csv(resp)[0] == ["Mått", "Värde", "Förklaring"]
    assert rader["Lämnade erbjudanden"] == "59"
    assert rader["Accepterade erbjudanden"] == "39"
    assert rader["Acceptansgrad"] == "66\u00a0%"  # a share keeps its unit in the file, as on the page
    assert rader["Utförd vård"] == "6"


def test_exports_suppress_counts_below_five_even_for_the_own_region(kanda, client_for):
    resp = client_for(Roll.KOORDINATOR, "06").get(URL + "?export=avbojda&format=csv")
    rader = {r[0]: r[1] for r in _csv(resp)[1:]}
    assert rader["Datumet passar inte"] == "<5"  # 4 patients (the page shows 4 to the region itself)
    assert rader["För långt bort"] == "10"
    assert rader["Hälsoskäl"] == "0"


def test_exported_cells_starting_with_formula_characters_are_neutralised(kanda, client_for):
    c = client_for(Roll.KOORDINATOR, "06")
    rader = _csv(c.get(URL + "?export=vardgivare&format=csv"))
    assert rader[1][0] == "'=Knäkliniken AB"
    ws = openpyxl.load_workbook(io.BytesIO(c.get(URL + "?export=avtal&format=xlsx").content)).active
    assert ws.cell(2, 3).value == "'=Knäkliniken AB"
    assert ws.cell(2, 1).value == "RJL-2026-KNA"


@pytest.mark.parametrize("roll,region", [(Roll.KOORDINATOR, "06"), (Roll.ADMINISTRATOR, None)])
def test_no_export_contains_personal_data(kanda, client_for, roll, region):
    c = client_for(roll, region)
    forbjudna = _personuppgifter() + [a.case_id for a in Arende.objects.all()]
    for namn in TABELLER:
        for fmt in ("csv", "xlsx"):
            resp = c.get(URL + f"?export={namn}&format={fmt}")
            assert resp.status_code == 200, (namn, fmt)
            if fmt == "csv":
                innehall = resp.content.decode("utf-8")
            else:
                wb = openpyxl.load_workbook(io.BytesIO(resp.content))
                innehall = "\n".join(
                    str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row
                )
            for f in forbjudna:
                assert f not in innehall, (namn, fmt)


def test_xlsx_export_of_the_monthly_table(kanda, client_for):
    resp = client_for(Roll.KOORDINATOR, "06").get(URL + "?export=manader&format=xlsx")
    assert resp["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Månad", "Registrerade", "Förmedlade", "Utförd vård")
    assert len(rows) == 13
    registrerade = [r[1] for r in rows[1:] if r[1] != 0]
    if (kanda.s.year, kanda.s.month) == (kanda.idag.year, kanda.idag.month):
        assert registrerade == [47]
    else:
        # This month's 2 cases are suppressed in the export, and the other month too: the key figures publish the
        # total 47, so 47 − 45 would give the 2 (secondary suppression, issue 22 finding 7).
        assert registrerade == ["..", "<5"]


def test_unknown_export_table_is_a_clear_400(client_for):
    resp = client_for(Roll.KOORDINATOR, "06").get(URL + "?export=personer&format=csv")
    assert resp.status_code == 400
    assert "Okänd tabell" in resp.content.decode()


def test_long_tables_show_the_largest_rows_on_the_page_but_export_them_all():
    from uppfoljning import export
    from uppfoljning.tabell import Tabell, antal, text

    t = Tabell("vardgivare", "Per vårdgivare", ["Vårdgivare", "Förmedlade"], max_rader=20)
    t.rader = [[text(f"Vårdgivare {i}"), antal(100 - i, True)] for i in range(25)]
    assert len(t.visade_rader) == 20 and t.dolda_rader == 5
    rader = list(csv.reader(io.StringIO(export.csv_bytes([t]).decode("utf-8")[1:]), delimiter=";"))
    assert len(rader) == 26 and rader[-1] == ["Vårdgivare 24", "76"]
    sida = t.sidversion()  # what the page's cache keeps: the shown rows, and the count of all for "20 av 25"
    assert len(sida.rader) == 20 and sida.antal_rader == 25 and sida.dolda_rader == 5
    assert sida.visade_rader == t.visade_rader
