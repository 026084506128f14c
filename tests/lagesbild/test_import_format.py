"""Every format rule of REGISTER_FILES.md, each with a small file built in the test."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from katalog.models import KvaGrupp, Vardenhet
from lagesbild.importers import importera_fil
from lagesbild.models import ImportStatus, Kalla, Leverans, Matvarde, VantetidManad
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, VT_HEADER, ncr_rows, spor_rows, write

pytestmark = pytest.mark.django_db


def test_ncr_file_is_detected_and_imported_with_bom_decimal_comma_and_point(tmp_path):
    path = write(tmp_path, "ncr_katarakt_20261120.csv", NCR_HEADER, ncr_rows(), bom=True)
    res = importera_fil(path, startad_av="kommando")
    assert res.run.status == ImportStatus.KLAR, res.fel_text
    assert res.run.kalla == Kalla.NCR
    assert res.run.rader == 8
    assert res.run.uttagsdatum == date(2026, 11, 20)
    sundsvall = Matvarde.objects.get(vardenhet__hsa_id="SE2321000206-OGON01", matperiod="90d", urval="alla")
    assert (sundsvall.antal, sundsvall.median, sundsvall.p90, sundsvall.andel_inom_90) == (310, 164, 240, 22.3)
    uppsala = Matvarde.objects.get(vardenhet__hsa_id="SE5560000001-OGON02", matperiod="90d", urval="alla")
    assert uppsala.andel_inom_90 == 96.1  # decimal point accepted too


def test_region_code_1_means_01(tmp_path):
    path = write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows())
    importera_fil(path, startad_av="kommando")
    row = Matvarde.objects.get(vardenhet__hsa_id="SE5560000001-OGON02", matperiod="2026-10")
    assert row.region_id == "03"


def test_suppressed_count_is_kept_as_suppressed_never_a_number(tmp_path):
    importera_fil(write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows()), startad_av="kommando")
    row = Matvarde.objects.get(vardenhet__hsa_id="SE5560000001-OGON02", urval="narkos")
    assert row.undertryckt is True
    assert row.antal is None and row.median is None and row.andel_inom_90 is None


def test_region_and_national_total_rows_have_no_unit(tmp_path):
    importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, spor_rows()), startad_av="kommando")
    region = Matvarde.objects.regiontotaler().get(kva_id="NGB", matperiod="90d")
    riket = Matvarde.objects.riket().get(kva_id="NGB", matperiod="90d")
    assert (region.region_id, region.antal, region.median) == ("20", 52, 209)
    assert (riket.region_id, riket.antal, riket.median, riket.andel_asa_3_4) == (None, 3811, 119, 16.0)


def test_headers_are_case_insensitive_reordered_spaced_and_extra_columns_ignored(tmp_path):
    cols = NCR_HEADER.split(";")
    order = list(reversed(range(len(cols))))
    header = ";".join(f"  {cols[i].upper()} " for i in order) + ";extra_kolumn"
    rows = [";".join(r.split(";")[i] for i in order) + ";skräp" for r in ncr_rows()]
    res = importera_fil(write(tmp_path, "ncr.csv", header, rows), startad_av="kommando")
    assert res.run.status == ImportStatus.KLAR, res.fel_text
    assert Matvarde.objects.get(vardenhet__hsa_id="SE2321000206-OGON01", matperiod="90d", urval="alla").median == 164


def test_eighteen_monthly_rows_are_stored_per_month(tmp_path):
    rows = [
        f"2026-11-20;20;SE2321000180-FALU01;Falu;NGB;{y}-{m:02d};alla;20;{100 + m};200;50,0;10,0"
        for y, months in ((2025, range(5, 13)), (2026, range(1, 11)))
        for m in months
    ]
    assert len(rows) == 18
    res = importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, rows), startad_av="kommando")
    assert res.run.status == ImportStatus.KLAR, res.fel_text
    assert Matvarde.objects.manader().filter(vardenhet__hsa_id="SE2321000180-FALU01").count() == 18


def test_unknown_unit_is_created_as_known_from_register_and_unknown_kva_group_created(tmp_path):
    rows = ["2026-11-20;7;SE2321000065-NY01;Ny klinik Växjö;QDG;90d;alla;12;40;80;90,0;5,0"]
    res = importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, rows), startad_av="kommando")
    assert res.run.status == ImportStatus.KLAR, res.fel_text
    unit = Vardenhet.objects.get(hsa_id="SE2321000065-NY01")
    assert (unit.namn, unit.region_id, unit.kalla, unit.vardgivare) == ("Ny klinik Växjö", "07", "register", None)
    assert KvaGrupp.objects.filter(kod="QDG").exists()


def test_existing_catalogue_unit_is_linked_not_duplicated(tmp_path):
    from tests.factories import VardenhetFactory

    unit = VardenhetFactory(hsa_id="SE2321000180-FALU01", namn="Falu ortopedi (katalog)")
    importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, spor_rows()), startad_av="kommando")
    assert Vardenhet.objects.filter(hsa_id="SE2321000180-FALU01").count() == 1
    assert Matvarde.objects.filter(vardenhet=unit).count() == 4
    unit.refresh_from_db()
    assert unit.kalla == "katalog"


def test_vantetider_sample_national_figures_are_stored_exactly(tmp_path):
    rows = [
        "2024-01;00;atgard;Alla;200231;70080;99089;98049",
        "2024-01;00;besok;Alla;485112;152810;238349;253621",
        "2024-01;20;atgard;Ögonsjukvård;2890;1604;702;688",
    ]
    res = importera_fil(write(tmp_path, "vantetider_202401.csv", VT_HEADER, rows, bom=True), startad_av="kommando")
    assert res.run.status == ImportStatus.KLAR, res.fel_text
    assert res.run.kalla == Kalla.VANTETIDER
    atgard = VantetidManad.objects.riket().get(typ="atgard", manad=date(2024, 1, 1))
    assert atgard.antal_vantande == 200231
    assert round(atgard.andel_inom_garanti, 1) == 65.0
    assert VantetidManad.objects.riket().get(typ="besok").antal_vantande == 485112
    assert VantetidManad.objects.get(region_id="20").vardomrade == "Ögonsjukvård"
    assert Leverans.objects.get(kalla=Kalla.VANTETIDER).uttagsdatum == date(2024, 1, 31)


def test_an_integer_with_a_zero_decimal_part_is_accepted_with_comma_or_point(tmp_path):
    rows = spor_rows()
    rows[0] = rows[0].replace(";48;212;365;", ";48,0;212,0;365.0;")
    res = importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, rows), startad_av="kommando")
    assert res.run.status == ImportStatus.KLAR, res.fel_text
    falun = Matvarde.objects.get(vardenhet__hsa_id="SE2321000180-FALU01", matperiod="90d", urval="alla")
    assert (falun.antal, falun.median, falun.p90) == (48, 212, 365)


def test_zero_operations_with_empty_statistics_is_accepted_as_no_operations(tmp_path):
    rows = [*spor_rows(), "2026-11-20;20;SE2321000180-FALU01;Ortopedkliniken Falu lasarett;NGB;30d;alla;0;;;;"]
    res = importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, rows), startad_av="kommando")
    assert res.run.status == ImportStatus.KLAR, res.fel_text
    row = Matvarde.objects.get(vardenhet__hsa_id="SE2321000180-FALU01", matperiod="30d")
    assert (row.antal, row.undertryckt, row.median, row.andel_inom_90) == (0, False, None, None)


def test_hsa_ids_are_trimmed_and_upper_cased_so_the_catalogue_unit_is_the_one_linked(tmp_path):
    from tests.factories import VardenhetFactory

    unit = VardenhetFactory(hsa_id="SE2321000180-FALU01")
    rows = [r.replace(";SE2321000180-FALU01;", "; se2321000180-falu01 ;") for r in spor_rows()]
    rows[1] = rows[1].replace("se2321000180-falu01", "Se2321000180-Falu01")  # two spellings, one unit
    res = importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, rows), startad_av="kommando")
    assert res.run.status == ImportStatus.KLAR, res.fel_text
    assert Vardenhet.objects.filter(hsa_id__iexact="SE2321000180-FALU01").count() == 1
    assert Matvarde.objects.filter(vardenhet=unit).count() == 4


def test_a_register_unit_known_by_a_lower_case_id_is_linked_when_the_catalogue_arrives(tmp_path):
    from katalog.importer import import_katalog

    rows = [r.replace("SE2321000180-FALU01", "se2321000180-falu01") for r in spor_rows()]
    assert importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, rows), startad_av="kommando").lyckad
    assert Vardenhet.objects.get(hsa_id="SE2321000180-FALU01").kalla == "register"
    sample = Path(__file__).resolve().parents[1] / "robustness" / "samples" / "katalog_20261120.csv"
    res = import_katalog(data=sample.read_bytes(), filnamn="katalog_20261120.csv")  # upper-case FALU01
    assert res.ok, res.fel
    unit = Vardenhet.objects.get(hsa_id="SE2321000180-FALU01")
    assert unit.kalla == "katalog" and unit.vardgivare is not None
    assert Matvarde.objects.filter(vardenhet=unit).count() == 4


def test_a_spor_file_with_an_extra_anestesi_column_is_spor_when_its_name_says_so(tmp_path):
    rows = [r + ";alla" for r in spor_rows()]
    path = write(tmp_path, "spor_vantetider_20261120.csv", SPOR_HEADER + ";anestesi", rows)
    res = importera_fil(path, startad_av="kommando")
    assert res.run.status == ImportStatus.KLAR, res.fel_text
    assert res.run.kalla == Kalla.SPOR
    assert Matvarde.objects.get(vardenhet__hsa_id="SE2321000180-FALU01", matperiod="90d", urval="alla").median == 212


def test_an_extract_dated_tomorrow_is_accepted_and_a_renamed_file_is_not_held_to_the_name_pattern(tmp_path):
    imorgon = timezone.localdate() + timedelta(days=1)
    rows = [r.replace("2026-11-20", str(imorgon)) for r in spor_rows() if ";2026-10;" not in r]
    res = importera_fil(write(tmp_path, "spor_vantetider (kopia).csv", SPOR_HEADER, rows), startad_av="kommando")
    assert res.run.status == ImportStatus.KLAR, res.fel_text
    assert res.run.uttagsdatum == imorgon
