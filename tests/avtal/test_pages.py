"""Agreement pages: permissions, list filters and export, detail with volume bars and warnings, start panel."""

import csv
import io

import openpyxl
import pytest

from avtal.models import Avtal, Avtalsrad
from avtal.services import volym_forbruka, volym_reservera
from avtal.uppladdning import importera_direkt
from tests.avtal.conftest import csv_bytes, rad
from vardformedling.models import Region, Roll


@pytest.fixture
def avtal(katalog):
    u = importera_direkt(
        filnamn="a.csv",
        innehall=csv_bytes(
            [
                rad(takvolym="10"),
                rad(kva_grupp="CJC", takvolym=""),
                rad(avtal_id="=HYPERLINK(1)", avtalsagare_region_kod="01", far_nyttjas_av="", villkor="@SUM(A1)"),
                rad(avtal_id="RD slut", giltig_till="2025-01-01", giltig_fran="2024-01-01"),
            ]
        ),
    )
    assert u.status == "tillampad", u.fel
    return Avtal.objects.get(avtal_id="RD 2026/1")


@pytest.mark.parametrize("roll", [Roll.VARDLOTS, Roll.KOORDINATOR, Roll.ADMINISTRATOR, Roll.MOTTAGARE])
def test_every_role_reads_agreements(client_for, avtal, roll):
    c = client_for(roll)
    assert c.get("/avtal/").status_code == 200
    assert c.get("/avtal/RD%202026/1/").status_code == 200


@pytest.mark.parametrize("roll", [Roll.VARDLOTS, Roll.KOORDINATOR, Roll.MOTTAGARE])
def test_only_administrators_upload(client_for, roll, db):
    assert client_for(roll).get("/avtal/uppladdning/").status_code == 403
    assert client_for(Roll.ADMINISTRATOR).get("/avtal/uppladdning/").status_code == 200


def test_anonymous_users_are_sent_to_login(client, db):
    for url in ("/avtal/", "/avtal/uppladdning/", "/avtal/X/"):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith("/login/?next=")


def test_list_filters_by_owner_status_and_usable_by_my_region(client_for, avtal):
    c = client_for(Roll.VARDLOTS, region="22")
    html = c.get("/avtal/?status=giltigt").content.decode()
    assert "RD 2026/1" in html and "RD slut" not in html
    html = c.get("/avtal/?agare=01").content.decode()
    assert "HYPERLINK" in html and "RD 2026/1" not in html
    html = c.get("/avtal/?min_region=1").content.decode()
    assert "RD 2026/1" in html and "HYPERLINK" not in html  # 01's agreement names nobody else
    html = c.get("/avtal/?status=upphort").content.decode()
    assert "RD slut" in html and "RD 2026/1" not in html


def test_list_htmx_returns_only_the_result_fragment(client_for, avtal, django_assert_max_num_queries):
    c = client_for(Roll.VARDLOTS)
    with django_assert_max_num_queries(12):
        resp = c.get("/avtal/?kva=CJC", headers={"HX-Request": "true"})
    html = resp.content.decode()
    assert "<html" not in html and 'id="avtal-resultat"' in html
    assert "1 avtal" in html


def test_csv_export_neutralises_formulas(client_for, avtal):
    resp = client_for(Roll.KOORDINATOR).get("/avtal/?format=csv&sort=agare")
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "avtal_id"
    ids = [r[0] for r in rows[1:]]
    assert "'=HYPERLINK(1)" in ids and "=HYPERLINK(1)" not in ids
    assert any(r[10] == "'@SUM(A1)" for r in rows[1:])


def test_xlsx_export_neutralises_formulas(client_for, avtal):
    resp = client_for(Roll.KOORDINATOR).get("/avtal/?format=xlsx&agare=01")
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    values = [c.value for c in ws[2]]
    assert values[0] == "'=HYPERLINK(1)" and values[10] == "'@SUM(A1)"


def test_detail_shows_volume_bar_numbers_and_warning(client_for, avtal):
    rad_cje = Avtalsrad.objects.get(avtal=avtal, kva_id="CJE")
    r22 = Region.objects.get(kod="22")
    for i in range(8):
        volym_reservera(rad=rad_cje, referens=f"VF-{i}", region=r22)
    for i in range(5):
        volym_forbruka(referens=f"VF-{i}")
    html = client_for(Roll.VARDLOTS).get("/avtal/RD%202026/1/").content.decode()
    assert "5 förbrukade, 3 reserverade och 2 kvar av 10" in html
    assert 'class="bar__used w-50"' in html and 'class="bar__reserved w-30"' in html
    assert "80\u00a0% av takvolymen (10)" in html
    assert "style=" not in html


def test_same_id_for_two_owners_asks_which(client_for, avtal, katalog):
    importera_direkt(filnamn="b.csv", innehall=csv_bytes([rad(avtalsagare_region_kod="22")]))
    c = client_for(Roll.VARDLOTS)
    html = c.get("/avtal/RD%202026/1/").content.decode()
    assert "Välj avtalsägare" in html
    assert c.get("/avtal/RD%202026/1/?agare=22").status_code == 200
    assert c.get("/avtal/finns-inte/").status_code == 404


def test_start_panel_warns_coordinators_of_owner_and_user_regions(client_for, avtal):
    rad_cje = Avtalsrad.objects.get(avtal=avtal, kva_id="CJE")
    for i in range(9):
        volym_reservera(rad=rad_cje, referens=f"VF-{i}", region=Region.objects.get(kod="22"))
    html = client_for(Roll.KOORDINATOR, region="20").get("/").content.decode()
    assert "RD 2026/1 CJE: 90\u00a0% av takvolymen (10) använd, 1 kvar" in html
    html = client_for(Roll.KOORDINATOR, region="22").get("/").content.decode()
    assert "RD 2026/1 CJE: 90\u00a0%" in html  # region 22 used the agreement within the last year
    html = client_for(Roll.KOORDINATOR, region="05").get("/").content.decode()
    assert "RD 2026/1" not in html


def test_detail_page_query_count_does_not_grow_with_reservations(client_for, avtal, django_assert_max_num_queries):
    rad_cje = Avtalsrad.objects.get(avtal=avtal, kva_id="CJE")
    for i in range(10):
        volym_reservera(rad=rad_cje, referens=f"VF-{i}", region=Region.objects.get(kod="22"))
    c = client_for(Roll.VARDLOTS)
    with django_assert_max_num_queries(14):
        assert c.get("/avtal/RD%202026/1/").status_code == 200
