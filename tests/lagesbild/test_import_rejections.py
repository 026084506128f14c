"""Rejected files write nothing and name file, line and column; same content is a no-op; same date replaces."""

import zipfile
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone

from katalog.models import Vardenhet
from lagesbild import validering
from lagesbild.importers import importera_fil
from lagesbild.models import ImportRun, ImportStatus, Leverans, Matvarde
from lagesbild.validering import Kolumn
from lagesbild.validering.granskare import dubbletter
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, VT_HEADER, ncr_rows, spor_rows, write

pytestmark = pytest.mark.django_db

FILE = "spor_vantetider_20261120.csv"


def _reject(tmp_path, rows, header=SPOR_HEADER, name=FILE):
    units_before = Vardenhet.objects.count()
    res = importera_fil(write(tmp_path, name, header, rows), startad_av="kommando")
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
    res = _reject(tmp_path, ["2024-01;00;atgard;Alla;100;150;10;10"], header=VT_HEADER)
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


def test_newer_delivery_for_same_date_replaces_the_old_one(tmp_path, django_capture_on_commit_callbacks):
    importera_fil(write(tmp_path, "a.csv", NCR_HEADER, ncr_rows()), startad_av="kommando")
    rows = [r.replace(";310;164;", ";311;150;") for r in ncr_rows()]
    with django_capture_on_commit_callbacks(execute=True):  # the replaced partition is dropped after commit
        res = importera_fil(write(tmp_path, "b.csv", NCR_HEADER, rows), startad_av="kommando")
    assert res.run.status == ImportStatus.KLAR
    assert Leverans.objects.count() == 1
    assert Matvarde.objects.count() == 8
    assert Matvarde.objects.get(vardenhet__hsa_id="SE2321000206-OGON01", matperiod="90d", urval="alla").median == 150


def test_newer_date_keeps_only_the_newest_rows_and_a_late_older_file_changes_nothing(
    tmp_path, django_capture_on_commit_callbacks
):
    importera_fil(write(tmp_path, "a.csv", NCR_HEADER, ncr_rows("2026-11-20")), startad_av="kommando")
    with django_capture_on_commit_callbacks(execute=True):  # the older partition is dropped after commit
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


def test_text_that_is_not_utf8_is_named_by_line_and_column_and_the_parser_text_goes_to_the_log(tmp_path, caplog):
    caplog.set_level("INFO", logger="lagesbild.validering")
    rows = [r.replace("Ögonsektionen", "\xd6gonsektionen") for r in ncr_rows()]
    path = tmp_path / FILE
    path.write_bytes(("\n".join([NCR_HEADER, *rows]) + "\n").encode("latin-1"))
    res = importera_fil(path, startad_av="kommando")
    assert res.run.status == ImportStatus.AVVISAD
    assert res.fel_text == [f"{FILE} rad 2, kolumn vardenhet_namn: {validering.FEL_KODNING_VARDE}"]
    assert "UTF-8" in res.fel_text[0]
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


# --- Small-number suppression, bounds, identifiers ------------------------------------------------------------


def test_a_count_of_1_to_4_written_as_a_number_is_rejected_it_must_be_suppressed(tmp_path):
    res = _reject(tmp_path, _with(0, "antal_utforda", "3"))
    assert res.fel_text == [f"{FILE} rad 2, kolumn antal_utforda: 3 är färre än 5 och ska skrivas <5 (röjandeskydd)."]


def test_zero_operations_with_statistics_is_rejected(tmp_path):
    """0 with statistics is inconsistent (no operation, yet a waiting time); 0 with empty statistics is accepted
    as "no operations" (test_import_format)."""
    res = _reject(tmp_path, _with(0, "antal_utforda", "0"))
    assert res.fel_text == [f"{FILE} rad 2, kolumn antal_utforda: {validering.FEL_NOLL_MED_STATISTIK}"]


def test_values_the_database_cannot_store_are_rejected_naming_line_and_column(tmp_path):
    rows = _with(0, "antal_utforda", "99999999999")
    rows[1] = _with(1, "median_vantetid_dagar", "3000000000")[1]
    rows[2] = _with(2, "vardenhet_namn", "Ortopedkliniken " + "x" * 190)[2]
    rows[4] = _with(4, "vardenhet_hsaid", "SE5565432100-" + "A" * 60)[4]
    res = _reject(tmp_path, rows)
    assert [t.split(":")[0] for t in res.fel_text] == [
        f"{FILE} rad 2, kolumn antal_utforda",
        f"{FILE} rad 3, kolumn median_vantetid_dagar",
        f"{FILE} rad 4, kolumn vardenhet_namn",
        f"{FILE} rad 6, kolumn vardenhet_hsaid",
    ]
    assert "större än vad som kan lagras" in res.fel_text[0]
    assert "högst 3650 dagar" in res.fel_text[1]
    assert "längre än 200 tecken" in res.fel_text[2]
    assert "inget HSA-id" in res.fel_text[3]


def test_vantetider_values_the_database_cannot_store_are_rejected(tmp_path):
    rows = ["2024-01;00;atgard;" + "Ö" * 120 + ";200231;70080;99089;98049", "2024-01;00;besok;Alla;3e9;70080;9;9"]
    res = _reject(tmp_path, rows, header=VT_HEADER, name="vantetider_202401.csv")
    assert [t.split(":")[0] for t in res.fel_text] == [
        "vantetider_202401.csv rad 2, kolumn vardomrade",
        "vantetider_202401.csv rad 3, kolumn antal_vantande",
    ]


def test_a_vantetider_count_of_1_to_4_is_rejected_and_a_future_month_too(tmp_path):
    nasta = (timezone.localdate().replace(day=28) + timedelta(days=4)).strftime("%Y-%m")
    rows = ["2024-01;00;atgard;Alla;200;3;99;98", f"{nasta};00;atgard;Alla;200;70;99;98"]
    res = _reject(tmp_path, rows, header=VT_HEADER, name="vt.csv")
    assert res.fel_text == [
        "vt.csv rad 2, kolumn antal_vantande_over_90: 3 är färre än 5 och ska skrivas <5 (röjandeskydd).",
        f"vt.csv rad 3, kolumn manad: '{nasta}' ligger i framtiden; senast möjliga månad är "
        f"{timezone.localdate():%Y-%m}.",
    ]


def test_an_hsa_id_that_is_not_one_is_rejected(tmp_path):
    res = _reject(tmp_path, _with(0, "vardenhet_hsaid", "abc"))
    assert res.fel_text[0].startswith(f"{FILE} rad 2, kolumn vardenhet_hsaid: 'abc' är inget HSA-id")


def test_p90_below_the_median_is_rejected(tmp_path):
    res = _reject(tmp_path, _with(0, "p90_vantetid_dagar", "200"))  # median 212
    assert res.fel_text == [
        f"{FILE} rad 2, kolumn p90_vantetid_dagar: '200' är lägre än medianen på samma rad; 90:e percentilen kan "
        "inte vara lägre än medianen."
    ]


def test_the_same_unit_group_period_and_priority_under_two_region_codes_is_a_duplicate(tmp_path):
    rows = spor_rows()
    rows.append(rows[0].replace(";20;SE2321000180-FALU01;", ";01;se2321000180-falu01;"))  # line 9
    res = _reject(tmp_path, rows)
    assert [t.split(":")[0] for t in res.fel_text] == [f"{FILE} rad 9, kolumn vardenhet_hsaid"]
    assert "dubblett" in res.fel_text[0]


def test_duplicates_in_a_file_not_grouped_by_unit_name_every_later_line_only(tmp_path):
    """The duplicate check sorts the rows' keys: a file in reverse order, with two rows repeated at the end, names
    exactly those two lines (never the first occurrence)."""
    rows = list(reversed(spor_rows()))
    rows += [rows[-1], rows[2]]
    res = _reject(tmp_path, rows)
    n = len(rows)  # the header is line 1: the repeated rows are lines n and n + 1
    assert [t.split(":")[0] for t in res.fel_text] == [
        f"{FILE} rad {line}, kolumn vardenhet_hsaid" for line in (n, n + 1)
    ]
    assert all("dubblett" in t for t in res.fel_text)


def test_duplicate_rows_are_the_later_occurrences_of_a_key_in_any_order():
    rng = np.random.default_rng(7)
    kolumner = [Kolumn(rng.integers(-1, k, 5000), np.arange(k)) for k in (40, 3, 7)]
    forvantat = pd.DataFrame({i: kol.koder for i, kol in enumerate(kolumner)}).duplicated(keep="first").to_numpy()
    assert forvantat.any() and not forvantat.all()
    assert (dubbletter(kolumner) == forvantat).all()


# --- Periods, dates, file names -------------------------------------------------------------------------------


def test_months_outside_the_18_calendar_months_before_the_extract_month_are_rejected(tmp_path):
    """For an extract on 2026-11-20 the months are 2025-05 … 2026-10: not the current, partial month."""
    rows = _with(0, "matperiod", "2020-01")
    rows[1] = _with(1, "matperiod", "2026-11")[1]
    rows[2] = _with(2, "matperiod", "2025-04")[2]
    res = _reject(tmp_path, rows)
    assert [t.split(":")[0] for t in res.fel_text] == [f"{FILE} rad {n}, kolumn matperiod" for n in (2, 3, 4)]
    assert res.fel_text[1].endswith(
        "'2026-11' ligger utanför de 18 kalendermånaderna före uttagsdatums månad (2025-05 – 2026-10)."
    )


def test_an_extract_date_more_than_a_day_ahead_is_rejected(tmp_path):
    om_tva_dagar = timezone.localdate() + timedelta(days=2)
    rows = [r.replace("2026-11-20", str(om_tva_dagar)).replace(";2026-10;", ";90d;") for r in spor_rows()[:2]]
    res = _reject(tmp_path, rows, name="spor.csv")
    assert res.fel_text == [
        f"spor.csv rad 2, kolumn uttagsdatum: '{om_tva_dagar}' ligger i framtiden; uttagsdatum kan vara högst "
        f"{timezone.localdate() + timedelta(days=1)}."
    ]


def test_a_file_name_whose_date_differs_from_the_extract_date_is_rejected_naming_both(tmp_path):
    res = _reject(tmp_path, spor_rows(), name="spor_vantetider_20261121.csv")
    assert res.fel_text == [
        "spor_vantetider_20261121.csv rad 2, kolumn uttagsdatum: filnamnet spor_vantetider_20261121.csv anger "
        "datumet 2026-11-21 men uttagsdatum i filen är 2026-11-20; rätta filnamnet eller filens innehåll."
    ]


def test_a_vantetider_file_name_whose_month_is_not_the_files_latest_month_is_rejected(tmp_path):
    rows = ["2024-01;00;atgard;Alla;200231;70080;99089;98049", "2024-02;00;atgard;Alla;200231;70080;99089;98049"]
    res = _reject(tmp_path, rows, header=VT_HEADER, name="vantetider_202401.csv")
    assert res.fel_text == [
        "vantetider_202401.csv rad 3, kolumn manad: filnamnet vantetider_202401.csv anger månaden 2024-01 men "
        "filens senaste månad är 2024-02; rätta filnamnet eller filens innehåll."
    ]


def test_a_true_fraction_in_an_integer_column_is_rejected(tmp_path):
    res = _reject(tmp_path, _with(0, "median_vantetid_dagar", "212,5"))
    assert res.fel_text == [
        f"{FILE} rad 2, kolumn median_vantetid_dagar: '212,5' ska vara ett heltal (decimaler bara om de är noll, "
        "t.ex. 212,0)."
    ]


# --- Line numbers are the file's own lines --------------------------------------------------------------------


def test_line_numbers_count_blank_lines_and_a_quoted_value_spanning_two_lines(tmp_path):
    # The value spanning two lines is in a column the importer does not read: a line break in a unit name is an error.
    rows = [f"{r};" for r in spor_rows()]
    falun = rows[0] + '"första raden\nandra raden"'
    lines = [f"{SPOR_HEADER};kommentar", falun, "", rows[1], rows[2].replace(";17;", ";-17;")]
    path = tmp_path / FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = importera_fil(path, startad_av="kommando")
    assert res.run.status == ImportStatus.AVVISAD
    # line 1 header, 2-3 the quoted comment, 4 blank, 5 the 365d row, 6 the row with -17
    assert res.fel_text == [f"{FILE} rad 6, kolumn antal_utforda: '-17' är negativt; värdet får inte vara mindre än 0."]


def test_a_row_with_too_few_fields_after_a_blank_line_is_named_by_its_own_line(tmp_path):
    rows = spor_rows()
    lines = [SPOR_HEADER, rows[0], "", "", rows[1].rsplit(";", 2)[0], rows[2]]
    path = tmp_path / FILE
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    res = importera_fil(path, startad_av="kommando")
    assert res.fel_text == [f"{FILE} rad 5: {validering.FEL_FALTANTAL.format(faktiskt=10, vantat=12)}"]


# --- Which register ------------------------------------------------------------------------------------------


def test_a_header_with_both_spor_and_ncr_columns_and_no_telling_file_name_is_rejected_as_ambiguous(tmp_path):
    res = _reject(tmp_path, [r + ";alla" for r in spor_rows()], header=SPOR_HEADER + ";anestesi", name="lev.csv")
    assert res.fel_text == [f"lev.csv rad 1: {validering.FEL_TVETYDIG_KALLA}"]


@pytest.mark.parametrize(("tecken", "kod"), [("\x00", "U+0000"), ("\x1b", "U+001B"), ("\x85", "U+0085")])
def test_a_control_character_in_a_unit_name_is_rejected_naming_line_and_column(tmp_path, tecken, kod):
    """A NUL passed the checks and stopped PostgreSQL's write (DataError); now every control character is an error."""
    res = _reject(tmp_path, _with(1, "vardenhet_namn", f"Ortoped{tecken}kliniken Falu lasarett"))
    assert res.fel_text == [
        f"{FILE} rad 3, kolumn vardenhet_namn: värdet innehåller ett styrtecken ({kod}), som inte får finnas i text; "
        "ta bort det och spara igen."
    ]
    assert ImportRun.objects.get().fel[0]["kolumn"] == "vardenhet_namn"


def test_a_line_break_inside_a_quoted_unit_name_is_rejected_naming_its_line(tmp_path):
    rows = _with(1, "vardenhet_namn", '"Ortopedkliniken\nFalu lasarett"')
    res = _reject(tmp_path, rows)
    assert res.fel_text[0].startswith(f"{FILE} rad 3, kolumn vardenhet_namn: värdet innehåller ett styrtecken (U+000A)")


def test_a_control_character_in_a_vantetider_area_is_rejected(tmp_path):
    rows = ["2024-01;00;atgard;Ögon\x00sjukvård;200;70;99;98", "2024-01;00;besok;Alla\x07;200;70;99;98"]
    res = _reject(tmp_path, rows, header=VT_HEADER, name="vantetider_202401.csv")
    assert [t.split(": ", 1)[0] for t in res.fel_text] == [
        "vantetider_202401.csv rad 2, kolumn vardomrade",
        "vantetider_202401.csv rad 3, kolumn vardomrade",
    ]
    assert "(U+0000)" in res.fel_text[0] and "(U+0007)" in res.fel_text[1]


def test_a_nul_in_a_checked_column_is_rejected_and_the_message_quoting_it_can_be_stored(tmp_path):
    """The message quotes the value; a NUL in it could not be stored (JSON in PostgreSQL) and is shown as U+FFFD."""
    res = _reject(tmp_path, _with(0, "kva_grupp", "NG\x00B"))
    assert res.fel_text[0].startswith(f"{FILE} rad 2, kolumn kva_grupp: 'NG\ufffdB' är ingen KVÅ-grupp")
    assert "\x00" not in str(ImportRun.objects.get().fel)


def test_an_hsa_id_with_digits_other_than_0_to_9_is_rejected(tmp_path):
    res = _reject(tmp_path, _with(0, "vardenhet_hsaid", "SE232100018\u0663-FALU01"))  # ARABIC-INDIC DIGIT THREE
    assert res.fel_text[0].startswith(f"{FILE} rad 2, kolumn vardenhet_hsaid: 'SE232100018\u0663-FALU01' är inget HSA")


def test_a_month_in_digits_of_another_script_is_rejected(tmp_path):
    arabisk = "2024-01".translate(str.maketrans("0124", "\u0660\u0661\u0662\u0664"))
    res = _reject(tmp_path, [f"{arabisk};00;atgard;Alla;200;70;99;98"], header=VT_HEADER, name="vt.csv")
    assert res.fel_text == [f"vt.csv rad 2, kolumn manad: '{arabisk}' är ingen månad (ÅÅÅÅ-MM)."]
