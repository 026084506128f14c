"""Suppression of small numbers in follow-up (issue 22, finding 7): sums and means are hidden whenever their count of
patients is, and a hidden cell cannot be recovered from a published total (secondary suppression) – on the page, in
the CSV/XLSX exports and in the monthly reports alike."""

import csv
import io

import openpyxl

from tests.uppfoljning.test_rapporter import _manad, _sektioner
from uppfoljning import reports
from uppfoljning.statistik import _floden
from uppfoljning.tabell import FOR_FA, SKYDDAD, UNDERTRYCKT, antal, kr, skydda
from vardformedling.models import Roll

URL = "/uppfoljning/"


def _csv(resp) -> list[list[str]]:
    return list(csv.reader(io.StringIO(resp.content.decode("utf-8")[1:]), delimiter=";"))


# --- Sums follow their count --------------------------------------------------------------------------------------


def test_the_invoiced_sum_of_fewer_than_five_cases_is_not_exported(kanda, client_for):
    # The attack: the cost export for one provider showed `Fakturerat belopp;<5;69000.0`, the only case's invoice.
    # Here 4 cases were invoiced 85,000 kr each for the provider (and had 640 kr travel each).
    c = client_for(Roll.KOORDINATOR, "06")
    vg = kanda.rad.avtal.vardgivare_id
    rader = {r[0]: r[1:] for r in _csv(c.get(URL, {"export": "kostnad", "format": "csv", "vardgivare": vg}))}
    assert rader["Fakturerat belopp"] == [UNDERTRYCKT, FOR_FA]
    assert rader["Reseersättning (sjukresor)"] == [UNDERTRYCKT, FOR_FA]
    ws = openpyxl.load_workbook(io.BytesIO(c.get(URL, {"export": "kostnad", "format": "xlsx"}).content)).active
    assert [list(r) for r in ws.iter_rows(min_row=2, values_only=True)] == [
        ["Fakturerat belopp", UNDERTRYCKT, FOR_FA],
        ["Reseersättning (sjukresor)", UNDERTRYCKT, FOR_FA],
        # Issue #19: the mean over fewer than five cases is one case's invoice – hidden like the sum.
        ["Vårdkostnad per patient (medel)", UNDERTRYCKT, FOR_FA],
        ["Ärenden med fakturarad som avviker från avtalat pris", 0, None],
    ]
    # Per provider too: 4 invoices → the sum is hidden.
    (rad,) = _csv(c.get(URL, {"export": "vardgivare", "format": "csv"}))[1:]
    assert rad[-1] == FOR_FA and "340000" not in ";".join(rad)


def test_the_monthly_report_hides_the_same_sums(kanda):
    manad = _manad(kanda.s)
    (csv_fil, xlsx_fil) = reports.skapa_rapport(region_kod="06", manad=manad)
    text = csv_fil.read_text(encoding="utf-8")
    assert "340000" not in text and "2560" not in text
    kostnad = [
        r for r in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";") if r[:1] == ["Fakturerat belopp"]
    ]
    assert kostnad == [["Fakturerat belopp", UNDERTRYCKT, FOR_FA]]
    assert _sektioner(text)["Nyckeltal"]["Utförd vård"] == "6"
    blad = openpyxl.load_workbook(xlsx_fil)["Kostnad"]
    assert blad.cell(2, 3).value == FOR_FA


def test_the_page_shows_what_the_export_shows_to_the_receiving_region(kanda, client_for):
    # Coordinators of the receiving region see other regions' patients: everything suppressed on the page as well.
    body = client_for(Roll.KOORDINATOR, "05").get(URL, {"som": "mottagande"}).content.decode()
    assert "340\u00a0000 kr" not in body and "”..” är dolt" in body


# --- Secondary suppression ------------------------------------------------------------------------------------------


def test_one_suppressed_cell_in_a_group_with_a_total_hides_the_next_smallest_too():
    celler, dolj_total = skydda([antal(3, True), antal(20, True), antal(10, True), antal(0, True)])
    assert [c.text for c in celler] == [UNDERTRYCKT, "20", SKYDDAD, "0"] and not dolj_total


def test_two_suppressed_cells_that_add_up_to_fewer_than_five_hide_a_third():
    # 1 + 1 = 2 would be the total minus the shown cells, and both would then be known.
    celler, _ = skydda([antal(1, True), antal(1, True), antal(30, True), antal(40, True)])
    assert [c.text for c in celler] == [UNDERTRYCKT, UNDERTRYCKT, SKYDDAD, "40"]
    celler, _ = skydda([antal(3, True), antal(4, True), antal(30, True)])
    assert [c.text for c in celler] == [UNDERTRYCKT, UNDERTRYCKT, "30"]  # 7 between two cells of 1–4: 3 or 4 each


def test_sums_of_money_need_a_second_hidden_cell_and_a_group_without_one_hides_its_total():
    celler, _ = skydda([kr(85000, 1, True), kr(900000, 12, True), kr(400000, 6, True)])
    assert [c.dold for c in celler] == [True, False, True]
    _, dolj_total = skydda([antal(3, True), antal(0, True)])
    assert dolj_total


def test_a_flow_row_with_one_small_cell_hides_another_so_the_row_sum_gives_nothing_away():
    rader = [{"region_id": "06", "mottagande_region": m, "n": n} for m, n in (("01", 12), ("05", 3), ("13", 10))] + [
        {"region_id": "20", "mottagande_region": "05", "n": 3}
    ]
    t = _floden(rader, True, {})
    assert [c.text for c in t.rader[0][1:]] == ["12", UNDERTRYCKT, SKYDDAD, "25"]
    assert [c.text for c in t.rader[1][1:]] == ["0", UNDERTRYCKT, "0", UNDERTRYCKT]  # the sum is itself small


def test_the_national_flow_and_provider_tables_cannot_be_subtracted_from_the_key_figures(kanda, client_for):
    # Administrators see national key figures unsuppressed and per-region / per-provider cells suppressed.
    admin = client_for(Roll.ADMINISTRATOR)
    floden = _csv(admin.get(URL, {"export": "floden", "format": "csv"}))
    assert floden[1][1:] == ["39", "39"] and floden[2][1:] == [UNDERTRYCKT, UNDERTRYCKT]
