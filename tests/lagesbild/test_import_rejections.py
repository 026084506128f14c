"""Rejected files write nothing and name file, line and column; same content is a no-op; same date replaces."""

import zipfile

import pytest

from katalog.models import Vardenhet
from lagesbild import validering
from lagesbild.importers import importera_fil
from lagesbild.models import ImportRun, ImportStatus, Leverans, Matvarde
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, VT_HEADER, ncr_rows, spor_rows, write

pytestmark = pytest.mark.django_db

FILE = "spor_vantetider_20261120.csv"


def _reject(tmp_path, rows, header=SPOR_HEADER):
    units_before = Vardenhet.objects.count()
    res = importera_fil(write(tmp_path, FILE, header, rows), startad_av="kommando")
    assert res.run.status == ImportStatus.AVVISAD
    assert Matvarde.objects.count() == 0
    assert Leverans.objects.count() == 0
    assert Vardenhet.objects.count() == units_before
    return res


def _with(row_index: int, column: str, value: str) -> list[str]:
    rows = spor_rows()
    cols = SPOR_HEADER.split(";")
    cells = rows[row_index].split(";")
    cells[cols.index(column)] = value
    rows[row_index] = ";".join(cells)
    return rows


def test_missing_column_is_rejected_naming_the_column(tmp_path):
    header = SPOR_HEADER.replace(";median_vantetid_dagar", "")
    rows = [";".join(c for i, c in enumerate(r.split(";")) if i != 8) for r in spor_rows()]
    res = _reject(tmp_path, rows, header)
    assert res.fel_text == [f"{FILE} rad 1, kolumn median_vantetid_dagar: kolumnen saknas i rubrikraden."]


def test_bad_date_is_rejected_with_line_and_column(tmp_path):
    res = _reject(tmp_path, _with(2, "uttagsdatum", "2026-13-40"))
    assert any(t.startswith(f"{FILE} rad 4, kolumn uttagsdatum: '2026-13-40'") for t in res.fel_text), res.fel_text


def test_differing_extract_dates_are_rejected(tmp_path):
    res = _reject(tmp_path, _with(3, "uttagsdatum", "2026-11-19"))
    assert "rad 5, kolumn uttagsdatum" in res.fel_text[0]
    assert "samma på alla rader" in res.fel_text[0]


def test_negative_count_is_rejected(tmp_path):
    res = _reject(tmp_path, _with(0, "antal_utforda", "-3"))
    assert res.fel_text == [f"{FILE} rad 2, kolumn antal_utforda: '-3' är negativt; värdet får inte vara mindre än 0."]


def test_text_in_a_number_is_rejected(tmp_path):
    res = _reject(tmp_path, _with(5, "median_vantetid_dagar", "ca 200"))
    assert res.fel_text == [f"{FILE} rad 7, kolumn median_vantetid_dagar: 'ca 200' är inte ett tal."]


def test_median_without_count_is_rejected(tmp_path):
    res = _reject(tmp_path, _with(1, "antal_utforda", ""))
    assert res.fel_text == [
        f"{FILE} rad 3, kolumn antal_utforda: antal saknas men statistik är angiven; ange antal eller <5."
    ]


def test_statistics_with_suppressed_count_are_rejected(tmp_path):
    res = _reject(tmp_path, _with(0, "antal_utforda", "<5"))
    assert {t.split(":")[0] for t in res.fel_text} >= {f"{FILE} rad 2, kolumn median_vantetid_dagar"}


def test_wrong_period_code_is_rejected(tmp_path):
    res = _reject(tmp_path, _with(0, "matperiod", "60d"))
    assert res.fel_text[0].startswith(f"{FILE} rad 2, kolumn matperiod: '60d' är ingen mätperiod")


def test_unknown_region_kva_not_three_characters_and_percent_out_of_range_are_all_reported(tmp_path):
    rows = _with(0, "region_kod", "99")
    rows[1] = rows[1].replace(";NGB;", ";NGBX;")
    rows[2] = rows[2].replace(";17,6;", ";117,6;")
    res = _reject(tmp_path, rows)
    places = [t.split(":")[0] for t in res.fel_text]
    assert places == [
        f"{FILE} rad 2, kolumn region_kod",
        f"{FILE} rad 3, kolumn kva_grupp",
        f"{FILE} rad 4, kolumn andel_inom_90_dagar",
    ]
    run = ImportRun.objects.get()
    assert run.fel[0] == {"rad": 2, "kolumn": "region_kod", "meddelande": "'99' är ingen känd regionkod."}


def test_file_without_a_known_header_is_rejected(tmp_path):
    res = _reject(tmp_path, ["1;2"], header="a;b")
    assert "kan inte avgöra vilket register" in res.fel_text[0]


def test_vantetider_over_90_greater_than_waiting_is_rejected(tmp_path):
    res = _reject(tmp_path, ["2024-01;00;atgard;Alla;100;150;1;1"], header=VT_HEADER)
    assert "rad 2, kolumn antal_vantande_over_90" in res.fel_text[0]


def test_same_content_again_is_a_no_op(tmp_path):
    path = write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows())
    first = importera_fil(path, startad_av="kommando")
    ids = set(Matvarde.objects.values_list("id", flat=True))
    again = importera_fil(path, startad_av="beat")
    assert first.run.status == ImportStatus.KLAR
    assert again.run.status == ImportStatus.REDAN_INLAST
    assert "redan inläst" in again.run.meddelande
    assert set(Matvarde.objects.values_list("id", flat=True)) == ids
    assert ImportRun.objects.count() == 2


def test_newer_delivery_for_same_date_replaces_the_old_one(tmp_path):
    importera_fil(write(tmp_path, "a.csv", NCR_HEADER, ncr_rows()), startad_av="kommando")
    rows = [r.replace(";310;164;", ";311;150;") for r in ncr_rows()]
    res = importera_fil(write(tmp_path, "b.csv", NCR_HEADER, rows), startad_av="kommando")
    assert res.run.status == ImportStatus.KLAR
    assert Leverans.objects.count() == 1
    assert Matvarde.objects.count() == 8
    assert Matvarde.objects.get(vardenhet__hsa_id="SE2321000206-OGON01", matperiod="90d", urval="alla").median == 150


def test_newer_date_keeps_only_the_newest_rows_and_a_late_older_file_changes_nothing(tmp_path):
    importera_fil(write(tmp_path, "a.csv", NCR_HEADER, ncr_rows("2026-11-20")), startad_av="kommando")
    importera_fil(write(tmp_path, "b.csv", NCR_HEADER, ncr_rows("2026-11-21")), startad_av="kommando")
    assert set(Matvarde.objects.values_list("leverans__uttagsdatum", flat=True)) == {
        Leverans.objects.latest("uttagsdatum").uttagsdatum
    }
    late = importera_fil(write(tmp_path, "c.csv", NCR_HEADER, ncr_rows("2026-11-18")), startad_av="kommando")
    assert late.run.status == ImportStatus.KLAR
    assert "äldre än den senaste" in late.run.meddelande
    assert str(Matvarde.objects.values_list("leverans__uttagsdatum", flat=True).distinct().get()) == "2026-11-21"


def test_an_unclosed_quote_is_rejected_naming_its_line(tmp_path):
    path = tmp_path / FILE
    path.write_bytes(b'manad;typ\n"x\n')
    res = importera_fil(path, startad_av="kommando")
    assert res.run.status == ImportStatus.AVVISAD
    assert res.fel_text == [f"{FILE} rad 2: {validering.FEL_FALTANTAL.format(faktiskt=1, vantat=2)}"]
    assert "citattecken" in res.fel_text[0]


def test_rows_with_too_few_or_too_many_fields_are_rejected_naming_their_lines(tmp_path):
    rows = spor_rows()
    rows[1] = rows[1].rsplit(";", 2)[0]  # two fields short: file line 3
    rows[3] = rows[3] + ";extra"  # one too many: file line 5
    res = _reject(tmp_path, rows)
    assert res.fel_text == [
        f"{FILE} rad 3: {validering.FEL_FALTANTAL.format(faktiskt=10, vantat=12)}",
        f"{FILE} rad 5: {validering.FEL_FALTANTAL.format(faktiskt=13, vantat=12)}",
    ]


def test_text_that_is_not_utf8_gets_a_fixed_swedish_message_and_the_parser_text_goes_to_the_log(tmp_path, caplog):
    caplog.set_level("INFO", logger="lagesbild.validering")
    rows = [r.replace("Ögonsektionen", "\xd6gonsektionen") for r in ncr_rows()]
    path = tmp_path / FILE
    path.write_bytes(("\n".join([NCR_HEADER, *rows]) + "\n").encode("latin-1"))
    res = importera_fil(path, startad_av="kommando")
    assert res.run.status == ImportStatus.AVVISAD
    assert res.fel_text == [f"{FILE} rad 1: {validering.FEL_KODNING}"]
    assert "UTF8" in caplog.text  # pyarrow's own words, for support
    assert Leverans.objects.count() == 0


def test_a_known_column_twice_in_the_header_is_rejected_naming_it(tmp_path):
    res = _reject(tmp_path, [r + ";5" for r in spor_rows()], header=SPOR_HEADER + "; Median_Vantetid_Dagar ")
    assert res.fel_text == [f"{FILE} rad 1, kolumn median_vantetid_dagar: {validering.FEL_KOLUMN_DUBBEL}"]


def test_an_excel_workbook_is_rejected_saying_to_save_it_as_csv(tmp_path):
    path = tmp_path / "spor.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<x/>")
    res = importera_fil(path, startad_av="kommando")
    assert res.run.status == ImportStatus.AVVISAD
    assert res.fel_text == [f"spor.xlsx rad 1: {validering.FEL_ZIP}"]
    assert "CSV UTF-8" in res.fel_text[0]
