"""Every kind of bad agreement file is rejected as a whole with Swedish "rad N, kolumn X" messages."""

import io
import zipfile

import pytest

from avtal.models import Avtal, Avtalsrad, AvtalsUppladdning, Uppladdningsstatus
from avtal.uppladdning import importera_direkt
from tests.avtal.conftest import csv_bytes, rad, xlsx_bytes


def importera(innehall: bytes):
    return importera_direkt(filnamn="avtal.csv", innehall=innehall)


def assert_avvisad(u, *texter):
    assert u.status == Uppladdningsstatus.AVVISAD, u.fel
    alla = "\n".join(u.fel)
    for t in texter:
        assert t in alla, alla
    assert Avtal.objects.count() == 0
    assert Avtalsrad.objects.count() == 0


def test_a_valid_file_is_applied(katalog):
    u = importera(csv_bytes([rad(), rad(kva_grupp="CJC", takvolym="")]))
    assert u.status == Uppladdningsstatus.TILLAMPAD, u.fel
    a = Avtal.objects.get()
    assert a.vardgivare == katalog["ogon"]
    assert list(a.vardenheter.all()) == [katalog["e1"]]
    assert sorted(a.far_nyttjas_av.values_list("kod", flat=True)) == ["21", "22"]
    assert str(a.rader.get(kva_id="CJE").pris_kr) == "12500.50"
    assert a.rader.get(kva_id="CJC").takvolym is None


def test_missing_required_column_is_named(katalog):
    kolumner = [k for k in rad() if k != "giltig_till"]
    assert_avvisad(
        importera(csv_bytes([rad()], kolumner=kolumner)), "rad 1, kolumn giltig_till: obligatorisk kolumn saknas"
    )


def test_bad_date_names_line_and_column(katalog):
    u = importera(csv_bytes([rad(), rad(kva_grupp="CJC", giltig_fran="2026-13-01")]))
    assert_avvisad(u, "rad 3, kolumn giltig_fran: ”2026-13-01” är inte ett datum")


def test_validity_ending_before_it_starts_is_rejected(katalog):
    u = importera(csv_bytes([rad(giltig_fran="2026-06-01", giltig_till="2026-05-31")]))
    assert_avvisad(u, "rad 2, kolumn giltig_till: 2026-05-31 är före giltig_fran 2026-06-01")


def test_unknown_region_codes_are_rejected(katalog):
    u = importera(csv_bytes([rad(avtalsagare_region_kod="99"), rad(avtal_id="X", far_nyttjas_av="22|98")]))
    assert_avvisad(
        u,
        "rad 2, kolumn avtalsagare_region_kod: okänd regionkod ”99”",
        "rad 3, kolumn far_nyttjas_av: okänd regionkod 98",
    )


def test_orgnr_failing_luhn_or_unknown_provider_is_rejected(katalog):
    u = importera(
        csv_bytes(
            [rad(vardgivare_orgnr="556543-2101"), rad(avtal_id="B", vardgivare_orgnr="556000-0001", vardenhet_hsaid="")]
        )
    )
    assert_avvisad(
        u,
        "rad 2, kolumn vardgivare_orgnr: ”556543-2101” är inte ett giltigt organisationsnummer",
        "rad 3, kolumn vardgivare_orgnr: ingen vårdgivare med organisationsnummer 556000-0001",
    )


def test_units_must_exist_and_belong_to_the_provider(katalog):
    u = importera(
        csv_bytes(
            [rad(vardenhet_hsaid="SE5565432100-OG1|SE5561112220-K1"), rad(avtal_id="B", vardenhet_hsaid="SE0-NOPE")]
        )
    )
    assert_avvisad(
        u,
        "rad 2, kolumn vardenhet_hsaid: vårdenheten SE5561112220-K1 tillhör inte vårdgivaren",
        "rad 3, kolumn vardenhet_hsaid: okänd vårdenhet SE0-NOPE",
    )


def test_rows_of_one_agreement_must_agree_on_agreement_columns(katalog):
    u = importera(csv_bytes([rad(), rad(kva_grupp="CJC", giltig_till="2030-01-01", kontakt="annan")]))
    assert_avvisad(
        u,
        "rad 3, kolumn giltig_till:",
        "skiljer sig från rad 2",
        "rad 3, kolumn kontakt: ”annan” skiljer sig från rad 2 (”remiss@example.se”) för samma avtal RD 2026/1.",
    )


def test_terms_are_per_line_so_they_may_differ_between_the_rows_of_one_agreement(katalog):
    """#14.8: KATALOG_AVTAL.md names `villkor` a line-level column; a difference was rejected as an error."""
    u = importera(csv_bytes([rad(villkor="ASA 1–3, ej narkos"), rad(kva_grupp="CJC", villkor="ASA 1–3")]))
    assert u.status == Uppladdningsstatus.TILLAMPAD, u.fel
    villkor = dict(Avtal.objects.get().rader.values_list("kva_id", "villkor"))
    assert villkor == {"CJE": "ASA 1–3, ej narkos", "CJC": "ASA 1–3"}


def test_units_differing_between_the_rows_of_one_agreement_are_named_not_merged(katalog):
    u = importera(csv_bytes([rad(), rad(kva_grupp="CJC", vardenhet_hsaid="SE5565432100-OG2")]))
    assert_avvisad(u, "rad 3, kolumn vardenhet_hsaid:", "Vårdenheter per vårdtjänst stöds inte ännu")


def test_duplicate_line_is_rejected(katalog):
    u = importera(csv_bytes([rad(), rad(kva_grupp="cje", pris_kr="1")]))
    assert_avvisad(u, "rad 3, kolumn kva_grupp: KVÅ-gruppen CJE finns redan på rad 2")


def test_wrong_values_for_type_kva_price_and_cap(katalog):
    u = importera(
        csv_bytes(
            [
                rad(avtalstyp="ramavtal", kva_grupp="CJEE", pris_kr="-5", takvolym="2,5"),
                rad(avtal_id="C", pris_kr="abc"),
            ]
        )
    )
    assert_avvisad(
        u,
        "rad 2, kolumn avtalstyp: ”ramavtal” är inte en avtalstyp",
        "rad 2, kolumn kva_grupp:",
        "rad 2, kolumn pris_kr:",
        "rad 2, kolumn takvolym:",
        "rad 3, kolumn pris_kr: ”abc” är inte ett belopp",
    )


def test_oversized_file_is_rejected_before_parsing(katalog, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    u = importera(csv_bytes([rad(avtal_id=f"A{i}") for i in range(20)]))
    assert_avvisad(u, "Filen är för stor")


def test_binary_file_pretending_to_be_csv_is_rejected(katalog):
    assert_avvisad(importera(b"\x89PNG\r\n\x1a\n\x00\x00\x00"), "varken en CSV-fil")
    assert_avvisad(importera("avtal_id;x\nå".encode("latin-1")), "inte UTF-8")


def test_fake_xlsx_is_rejected(katalog):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hej.txt", "inte en arbetsbok")
    assert_avvisad(importera(buf.getvalue()), "inte en XLSX-arbetsbok")
    assert_avvisad(importera(b"PK\x03\x04trasig"), "trasig")


def test_xlsx_bomb_is_rejected_without_inflating(katalog):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    assert len(buf.getvalue()) < 1_000_000
    assert_avvisad(importera(buf.getvalue()), "orimligt mycket data")


def test_xlsx_with_upper_case_headers_is_read(katalog):
    u = importera(xlsx_bytes([rad(), rad(kva_grupp="CJC")]))
    assert u.status == Uppladdningsstatus.TILLAMPAD, u.fel
    assert Avtalsrad.objects.count() == 2


def test_unknown_kva_group_is_accepted_and_created(katalog):
    from katalog.models import KvaGrupp

    u = importera(csv_bytes([rad(kva_grupp="ZZ9")]))
    assert u.status == Uppladdningsstatus.TILLAMPAD, u.fel
    assert KvaGrupp.objects.filter(kod="ZZ9").exists()


def test_every_upload_is_recorded_even_when_rejected(katalog):
    importera(csv_bytes([rad(giltig_fran="igår")]))
    u = AvtalsUppladdning.objects.get()
    assert u.status == Uppladdningsstatus.AVVISAD
    assert len(u.sha256) == 64 and u.filnamn == "avtal.csv"
    assert bytes(u.innehall) == b""


@pytest.mark.parametrize("varde", ["alla", "ALLA"])
def test_far_nyttjas_av_alla(katalog, varde):
    importera(csv_bytes([rad(far_nyttjas_av=varde)]))
    assert Avtal.objects.get().far_nyttjas_av_alla


@pytest.mark.parametrize("kolumn", ["avtal_id", "kontakt", "ersattningsmodell", "villkor"])
def test_a_control_character_in_a_text_column_is_rejected_naming_line_and_column(katalog, kolumn):
    u = importera(csv_bytes([rad(), rad(kva_grupp="CJC", **{kolumn: "RD\x1b2026"})]))
    assert_avvisad(
        u, f"rad 3, kolumn {kolumn}: värdet innehåller ett styrtecken (U+001B), som inte får finnas i text; ta bort"
    )
    assert "\x1b" not in str(AvtalsUppladdning.objects.get().fel)  # quoted values are shown with U+FFFD


def test_terms_may_span_lines_and_a_c1_control_character_in_an_xlsx_cell_is_rejected(katalog):
    villkor = "ASA 1–3\nEndast dagkirurgi"
    u = importera(xlsx_bytes([rad(villkor=villkor)]))
    assert u.status == Uppladdningsstatus.TILLAMPAD, u.fel
    assert Avtal.objects.get().rader.get().villkor == villkor
    u = importera(xlsx_bytes([rad(avtal_id="RD 2026/2", kontakt="remiss\x85@example.se")]))
    assert u.status == Uppladdningsstatus.AVVISAD
    assert u.fel == [
        "rad 2, kolumn kontakt: värdet innehåller ett styrtecken (U+0085), som inte får finnas i text; ta bort det "
        "och spara igen."
    ]


def test_a_kva_group_in_another_script_is_rejected(katalog):
    assert_avvisad(importera(csv_bytes([rad(kva_grupp="CJ\u0663")])), "rad 2, kolumn kva_grupp: ”CJ\u0663” är inte")
