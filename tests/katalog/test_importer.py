import io
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from katalog.importer import import_katalog
from katalog.models import KatalogImport, KvaGrupp, Vardenhet, Vardgivare, Vardutbud
from tests.factories import VardenhetFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "vardgivare_hsaid;vardgivare_orgnr;vardgivare_namn;agarform;vardenhet_hsaid;vardenhet_namn;region_kod;"
    "kommun;adress;postnummer;ort;lat;lon;telefon;epost;vardutbud;tar_emot_asa;narkos"
)
ROW_A = (
    "SE2321000180-0000;232100-0180;Region Dalarna;offentlig;SE2321000180-OGON01;Ögonkliniken Falun;20;Falun;"
    "Lasarettsvägen 10;791 82;Falun;60,6140;15,6460;023-49 00 00;ogon@example.se;CJE|CJC;3;ja"
)
ROW_B = (
    "SE5560000001-0000;556000-0001;Demo Ögonklinik AB;privat;SE5560000001-OGON02;Demo Ögonklinik Uppsala;3;"
    "Uppsala;Gatan 1;753 20;Uppsala;59.8590;17.6450;018-10 10 10;info@example.se;CJE;2;nej"
)


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    text = "\n".join([header, *rows]) + "\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def test_a_good_file_creates_providers_units_and_offering():
    res = import_katalog(data=csv_bytes(ROW_A, ROW_B, bom=True), filnamn="katalog.csv")

    assert res.ok, res.fel
    assert (res.nya, res.andrade, res.oforandrade, res.inaktiverade) == (2, 0, 0, 0)
    falun = Vardenhet.objects.get(hsa_id="SE2321000180-OGON01")
    assert falun.vardgivare.orgnr == "232100-0180"
    assert falun.lat == pytest.approx(60.614) and falun.lon == pytest.approx(15.646)  # decimal comma
    assert Vardenhet.objects.get(hsa_id="SE5560000001-OGON02").region_id == "03"  # `3` means `03`
    utbud = {(u.kva_id, u.max_asa, u.narkos) for u in Vardutbud.objects.filter(vardenhet=falun)}
    assert utbud == {("CJE", 3, True), ("CJC", 3, True)}
    rad = KatalogImport.objects.get()
    assert (rad.status, rad.filnamn, rad.antal_nya) == ("klar", "katalog.csv", 2)
    assert len(rad.sha256) == 64


def test_headers_are_case_insensitive_and_unknown_columns_ignored():
    header = HEADER.upper() + ";EXTRA_KOLUMN"
    res = import_katalog(data=csv_bytes(ROW_A + ";vad som helst", header=header), filnamn="k.csv")
    assert res.ok, res.fel
    assert Vardenhet.objects.filter(hsa_id="SE2321000180-OGON01").exists()


def test_reimporting_the_same_file_changes_nothing():
    data = csv_bytes(ROW_A, ROW_B)
    import_katalog(data=data, filnamn="k.csv")
    before = list(Vardenhet.objects.values())

    again = import_katalog(data=data, filnamn="k.csv")

    assert again.ok and again.status == "redan_inlast"
    assert "redan inläst" in again.meddelande
    assert list(Vardenhet.objects.values()) == before


def test_same_content_in_another_order_is_all_unchanged():
    import_katalog(data=csv_bytes(ROW_A, ROW_B), filnamn="k.csv")
    res = import_katalog(data=csv_bytes(ROW_B, ROW_A), filnamn="k2.csv")
    assert (res.nya, res.andrade, res.oforandrade, res.inaktiverade) == (0, 0, 2, 0)


def test_a_changed_row_is_counted_and_applied():
    import_katalog(data=csv_bytes(ROW_A, ROW_B), filnamn="k.csv")
    res = import_katalog(data=csv_bytes(ROW_A.replace("CJE|CJC;3", "CJE;4"), ROW_B), filnamn="k2.csv")
    assert (res.nya, res.andrade, res.oforandrade) == (0, 1, 1)
    utbud = {(u.kva_id, u.max_asa) for u in Vardutbud.objects.filter(vardenhet__hsa_id="SE2321000180-OGON01")}
    assert utbud == {("CJE", 4)}


def test_units_missing_from_a_later_extract_are_marked_inactive_not_deleted():
    import_katalog(data=csv_bytes(ROW_A, ROW_B), filnamn="k.csv")
    res = import_katalog(data=csv_bytes(ROW_A), filnamn="k2.csv", tillat_inaktivering=True)  # 1 of 2: over 10 %

    assert res.inaktiverade == 1
    uppsala = Vardenhet.objects.get(hsa_id="SE5560000001-OGON02")
    assert uppsala.aktiv is False

    # back in the next extract → active again
    import_katalog(data=csv_bytes(ROW_A, ROW_B), filnamn="k3.csv")
    uppsala.refresh_from_db()
    assert uppsala.aktiv is True


def test_units_known_from_registers_are_linked_not_deactivated():
    register_only = VardenhetFactory(hsa_id="SE2321000999-REG01", vardgivare=None, kalla=Vardenhet.Kalla.REGISTER)
    VardenhetFactory(hsa_id="SE2321000180-OGON01", vardgivare=None, kalla=Vardenhet.Kalla.REGISTER, namn="okänd")

    res = import_katalog(data=csv_bytes(ROW_A), filnamn="k.csv")

    assert res.ok and res.inaktiverade == 0
    linked = Vardenhet.objects.get(hsa_id="SE2321000180-OGON01")
    assert linked.kalla == "katalog" and linked.vardgivare.hsa_id == "SE2321000180-0000"
    assert linked.namn == "Ögonkliniken Falun"
    register_only.refresh_from_db()
    assert register_only.aktiv is True


def test_unknown_kva_codes_are_created():
    res = import_katalog(data=csv_bytes(ROW_A.replace("CJE|CJC", "CJE|ZZ9")), filnamn="k.csv")
    assert res.ok, res.fel
    assert KvaGrupp.objects.filter(kod="ZZ9").exists()


BAD_ROWS = [
    (ROW_A.replace("SE2321000180-OGON01", "OGON01"), "kolumn vardenhet_hsaid", "giltigt HSA-id"),
    (ROW_A.replace("SE2321000180-0000;", "SE23-0000;"), "kolumn vardgivare_hsaid", "giltigt HSA-id"),
    (ROW_A.replace("232100-0180", "2321000180"), "kolumn vardgivare_orgnr", "NNNNNN-NNNN"),
    (ROW_A.replace("232100-0180", "232100-0181"), "kolumn vardgivare_orgnr", "kontrollsiffra"),
    (ROW_A.replace(";offentlig;", ";kommunal;"), "kolumn agarform", "offentlig, privat eller ideburen"),
    (ROW_A.replace(";20;Falun;", ";99;Falun;"), "kolumn region_kod", "okänd regionkod"),
    (ROW_A.replace("60,6140", "52,1"), "kolumn lat", "utanför Sverige"),
    (ROW_A.replace("15,6460", "25,0"), "kolumn lon", "utanför Sverige"),
    (ROW_A.replace("60,6140", "sextio"), "kolumn lat", "inget tal"),
    (ROW_A.replace(";3;ja", ";5;ja"), "kolumn tar_emot_asa", "ASA-klass 1–4"),
    (ROW_A.replace(";3;ja", ";3;kanske"), "kolumn narkos", "ja eller nej"),
    (ROW_A.replace("CJE|CJC", "CJE|KATARAKT"), "kolumn vardutbud", "ingen KVÅ-grupp"),
    (ROW_A.replace("Ögonkliniken Falun", ""), "kolumn vardenhet_namn", "värde saknas"),
    (ROW_A.replace("ogon@example.se", "ogon-at-example"), "kolumn epost", "e-postadress"),
]


@pytest.mark.parametrize(("row", "where", "what"), BAD_ROWS, ids=[b[1].split()[-1] + "-" + b[2] for b in BAD_ROWS])
def test_a_bad_row_is_named_by_line_and_column_and_nothing_is_written(row, where, what):
    res = import_katalog(data=csv_bytes(ROW_B, row), filnamn="k.csv")

    assert not res.ok
    assert any(f.startswith(f"rad 3, {where}:") and what in f for f in res.fel), res.fel
    assert not Vardenhet.objects.exists() and not Vardgivare.objects.exists()
    assert KatalogImport.objects.get().status == "avvisad"


def test_a_duplicate_unit_is_an_error_naming_both_lines():
    res = import_katalog(data=csv_bytes(ROW_A, ROW_B, ROW_A), filnamn="k.csv")
    assert res.fel == ["rad 4, kolumn vardenhet_hsaid: vårdenheten SE2321000180-OGON01 finns redan på rad 2."]


def test_every_bad_row_is_reported_not_just_the_first():
    bad1 = ROW_A.replace(";3;ja", ";9;ja")
    bad2 = ROW_B.replace(";3;", ";99;")
    res = import_katalog(data=csv_bytes(bad1, bad2), filnamn="k.csv")
    assert [f.split(":")[0] for f in res.fel] == ["rad 2, kolumn tar_emot_asa", "rad 3, kolumn region_kod"]


def test_a_missing_required_column_is_reported():
    header = HEADER.replace("region_kod;", "")
    row = ROW_A.replace(";20;Falun;", ";Falun;", 1)
    res = import_katalog(data=csv_bytes(row, header=header), filnamn="k.csv")
    assert res.fel == ["rad 1, kolumn region_kod: obligatorisk kolumn saknas i rubrikraden."]


def test_a_file_that_is_not_utf8_text_is_rejected():
    res = import_katalog(data=csv_bytes(ROW_A).decode().encode("latin-1"), filnamn="k.csv")
    assert not res.ok and "UTF-8" in res.fel[0]


def test_the_type_is_decided_by_content_not_by_the_name():
    res = import_katalog(data=csv_bytes(ROW_A), filnamn="k.xlsx")
    assert res.ok, res.fel  # a CSV named .xlsx is read as the CSV it is
    res = import_katalog(data=b"\x00\x01binary" * 10, filnamn="k.csv")
    assert not res.ok and "varken en CSV-fil" in res.fel[0]


def test_a_file_over_the_size_limit_is_rejected(settings):
    settings.UPLOAD_MAX_BYTES = 100
    res = import_katalog(data=csv_bytes(ROW_A, ROW_B), filnamn="k.csv")
    assert not res.ok and "för stor" in res.fel[0]


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_an_xlsx_file_with_numeric_cells_is_read_from_the_first_sheet():
    header = HEADER.split(";")
    row = ROW_B.split(";")
    row[6] = 3  # region code as a number
    row[11], row[12] = 59.859, 17.645
    row[16] = 2
    res = import_katalog(data=_xlsx([header, row]), filnamn="katalog.xlsx")

    assert res.ok, res.fel
    enhet = Vardenhet.objects.get(hsa_id="SE5560000001-OGON02")
    assert enhet.region_id == "03" and enhet.lat == pytest.approx(59.859)
    assert Vardutbud.objects.get(vardenhet=enhet).max_asa == 2


def test_an_xlsx_bad_row_is_named_by_its_line():
    header = HEADER.split(";")
    good, bad = ROW_A.split(";"), ROW_B.split(";")
    bad[17] = "kanske"
    res = import_katalog(data=_xlsx([header, good, bad]), filnamn="katalog.xlsx")
    assert res.fel == ["rad 3, kolumn narkos: ”kanske” ska vara ja eller nej."]


@pytest.mark.parametrize(
    ("kolumn", "tecken", "kod"), [("vardenhet_namn", "\x1b", "U+001B"), ("adress", "\x07", "U+0007")]
)
def test_a_control_character_in_a_text_column_is_rejected_naming_line_and_column(kolumn, tecken, kod):
    cells = ROW_B.split(";")
    cells[HEADER.split(";").index(kolumn)] = f"Demo{tecken}text"
    res = import_katalog(data=csv_bytes(ROW_A, ";".join(cells)), filnamn="katalog.csv")
    assert res.fel == [
        f"rad 3, kolumn {kolumn}: värdet innehåller ett styrtecken ({kod}), som inte får finnas i text; "
        "ta bort det och spara igen."
    ]
    assert not Vardenhet.objects.exists()


def test_a_c1_control_character_in_an_xlsx_cell_is_rejected_and_not_quoted_raw():
    header = HEADER.split(";")
    bad = ROW_B.split(";")
    bad[header.index("vardgivare_namn")] = "Demo\x85Ögonklinik AB"
    bad[header.index("vardenhet_hsaid")] = "SE556000000\x85-OGON02"
    res = import_katalog(data=_xlsx([header, ROW_A.split(";"), bad]), filnamn="katalog.xlsx")
    assert "rad 3, kolumn vardgivare_namn: värdet innehåller ett styrtecken (U+0085)" in res.fel[0]
    assert res.fel[1].startswith("rad 3, kolumn vardenhet_hsaid: ”SE556000000\ufffd-OGON02” är inget giltigt HSA-id")
    assert not Vardgivare.objects.exists() and "\x85" not in str(KatalogImport.objects.get().fel)


def test_hsa_ids_and_organisation_numbers_take_only_the_digits_0_to_9():
    arabiska = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
    cells = ROW_A.split(";")
    cells[0] = "SE" + "2321000180".translate(arabiska) + "-0000"
    cells[1] = "232100-0180".translate(arabiska)
    res = import_katalog(data=csv_bytes(";".join(cells)), filnamn="katalog.csv")
    assert [f.split(":")[0] for f in res.fel] == ["rad 2, kolumn vardgivare_hsaid", "rad 2, kolumn vardgivare_orgnr"]
    assert "ska skrivas NNNNNN-NNNN" in res.fel[1]
    assert not Vardgivare.objects.exists()


def test_the_command_exits_0_and_then_0_again_for_the_same_file(tmp_path, capsys):
    path = tmp_path / "katalog.csv"
    path.write_bytes(csv_bytes(ROW_A))
    call_command("import_katalog", str(path))
    call_command("import_katalog", str(path))
    out = capsys.readouterr().out
    assert "1 nya" in out and "redan inläst" in out


def test_the_command_fails_with_every_message_for_a_bad_file(tmp_path, capsys):
    path = tmp_path / "katalog.csv"
    path.write_bytes(csv_bytes(ROW_A.replace(";20;", ";99;")))
    with pytest.raises(CommandError, match="avvisades"):
        call_command("import_katalog", str(path))
    assert "rad 2, kolumn region_kod" in capsys.readouterr().err


def test_the_command_never_shows_or_logs_a_personnummer_from_the_file_name(request, tmp_path):
    from tests.kommandon import kor

    bra, dalig = csv_bytes(ROW_A), csv_bytes(ROW_A.replace(";20;", ";99;"))
    k = kor(request, "import_katalog", "katalog", bra=bra, dalig=dalig)
    assert "katalog_XXXXXXXX-XXXX.csv: Katalogen är inläst" in k.out
    assert "katalog_XXXXXXXX-XXXX.csv: rad 2, kolumn region_kod" in k.err
    assert k.fel == [
        "katalog_XXXXXXXX-XXXX.csv: Filen avvisades: 1 fel. Inget ändrades.",
        f"{tmp_path}/XXXXXXXX-XXXX/katalog.csv: filen finns inte.",
        "katalog_XXXXXXXX-XXXX.csv: filen kunde inte läsas (PermissionError).",
    ]
    assert k.lackor(*KatalogImport.objects.values_list("filnamn", flat=True)) == []


def test_the_command_exit_status_is_1_for_a_missing_file(tmp_path):
    # A missing file exits 1 without touching the database, so the real exit code can be checked cheaply.
    proc = subprocess.run(
        [sys.executable, "manage.py", "import_katalog", str(tmp_path / "finns-inte.csv")],
        capture_output=True,
        text=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 1 and "finns inte" in proc.stderr


def test_the_demo_catalogue_loads_and_is_idempotent():
    import katalog.demo

    katalog.demo.load()
    katalog.demo.load()
    assert Vardenhet.objects.filter(aktiv=True).count() == 52
    assert KatalogImport.objects.filter(status="klar").count() == 1


def test_a_row_with_too_many_fields_is_named_by_its_line():
    res = import_katalog(data=csv_bytes(ROW_A, ROW_B + ";extra"), filnamn="k.csv")
    assert res.fel == [
        "rad 3: raden har 19 fält men rubrikraden har 18. Fälten ska skiljas med semikolon, och ett citattecken "
        "måste stängas på samma rad."
    ]


def test_a_damaged_xlsx_and_an_empty_file_get_swedish_messages():
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("annat.txt", "inte en arbetsbok")
    res = import_katalog(data=buf.getvalue(), filnamn="katalog.xlsx")
    assert res.fel == ["Filen är en zip-fil men inte en XLSX-arbetsbok."]
    assert import_katalog(data=b"", filnamn="k.csv").fel == ["Filen är tom."]


def test_the_command_refuses_to_deactivate_more_than_the_allowed_share_unless_told(tmp_path, capsys):
    """#14.4: `import_katalog` with a partial extract must not switch off most of the catalogue."""
    full = tmp_path / "full.csv"
    full.write_bytes(csv_bytes(ROW_A, ROW_B))
    call_command("import_katalog", str(full))
    partial = tmp_path / "del.csv"
    partial.write_bytes(csv_bytes(ROW_A))

    with pytest.raises(CommandError):
        call_command("import_katalog", str(partial))
    err = capsys.readouterr().err
    assert "Filen skulle inaktivera 1 av 2 aktiva vårdenheter (50\u00a0%), fler än de 10\u00a0% som tillåts" in err
    assert "--tillat-inaktivering" in err
    assert Vardenhet.objects.filter(aktiv=True).count() == 2

    call_command("import_katalog", str(partial), "--tillat-inaktivering")
    assert list(Vardenhet.objects.filter(aktiv=True).values_list("hsa_id", flat=True)) == ["SE2321000180-OGON01"]


def test_deactivating_up_to_the_allowed_share_needs_no_confirmation(settings):
    settings.KATALOG_MAX_INAKTIVERING_ANDEL = 0.5
    import_katalog(data=csv_bytes(ROW_A, ROW_B), filnamn="k.csv")
    res = import_katalog(data=csv_bytes(ROW_A), filnamn="k2.csv")
    assert res.ok and res.inaktiverade == 1


def test_the_quality_measure_column_sets_clears_and_keeps_reoperation_per_group():
    """Issue #19 point 6: `reoperation_2ar` ("CJE:1,2|CJC:0,8", percent within two years) per offered group; an
    empty cell keeps the unit's figures, a filled one is its whole list; wrong parts are named with line and column."""
    header = HEADER + ";reoperation_2ar"

    def andelar():
        return dict(
            Vardutbud.objects.filter(vardenhet__hsa_id="SE2321000180-OGON01").values_list("kva_id", "reoperation_andel")
        )

    res = import_katalog(data=csv_bytes(ROW_A + ";CJE:1,2|cjc:0.8", ROW_B + ";", header=header), filnamn="k.csv")
    assert res.ok, res.fel
    assert {k: str(v) for k, v in andelar().items()} == {"CJE": "1.2", "CJC": "0.8"}
    res = import_katalog(data=csv_bytes(ROW_A + ";", ROW_B + ";", header=header), filnamn="k2.csv")  # empty: kept
    assert res.ok and {k: str(v) for k, v in andelar().items()} == {"CJE": "1.2", "CJC": "0.8"}
    res = import_katalog(data=csv_bytes(ROW_A + ";CJE:2,5", ROW_B + ";", header=header), filnamn="k3.csv")
    assert res.ok and {k: str(v) for k, v in andelar().items()} == {"CJE": "2.5", "CJC": "None"}
    res = import_katalog(data=csv_bytes(ROW_A + ";NGB:1|CJE:101|CJC", ROW_B + ";", header=header), filnamn="k4.csv")
    assert not res.ok
    assert any("rad 2, kolumn reoperation_2ar: NGB finns inte i enhetens vardutbud" in f for f in res.fel), res.fel
    assert any("”CJE:101” ska vara KVÅ-grupp:andel i procent (0–100)" in f for f in res.fel), res.fel
    assert any("”CJC” ska vara KVÅ-grupp:andel" in f for f in res.fel), res.fel
    assert {k: str(v) for k, v in andelar().items()} == {"CJE": "2.5", "CJC": "None"}  # nothing written
