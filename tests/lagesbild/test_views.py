"""The comparison table, the unit view and the Väntetidsdatabasen page, as a navigator sees them."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from lagesbild.importers import importera_fil
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, VT_HEADER, ncr_rows, spor_rows, write
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def imported(tmp_path, today):
    datum = (today - timedelta(days=1)).isoformat()
    rows = [
        *ncr_rows(datum),
        f"{datum};14;SE5563334440-OGON01;Synkliniken Göteborg;CJE;90d;alla;400;20;45;99,0",
        f"{datum};12;SE5563334440-OGON02;Synkliniken Malmö;CJE;90d;alla;<5;;;",
    ]
    importera_fil(write(tmp_path, "ncr.csv", NCR_HEADER, rows), startad_av="kommando")
    importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, spor_rows(datum)), startad_av="kommando")


def _text(response) -> str:
    """Visible text: tags removed, whitespace (also non-breaking) collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()).replace("\xa0", " "))


def _unit_order(response) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/lagesbild/enheter/([^/]+)/">', response.content.decode())


def test_table_lists_units_sorted_by_median_with_suppressed_last(client_for, imported):
    client = client_for(Roll.VARDLOTS)
    response = client.get("/lagesbild/?kva=CJE&period=90&niva=enhet")
    assert response.status_code == 200
    assert _unit_order(response) == [
        "SE5563334440-OGON01",  # 20 days
        "SE5560000001-OGON02",  # 34
        "SE2321000206-OGON01",  # 164
        "SE5563334440-OGON02",  # <5: last
    ]
    text = _text(response)
    assert "färre än 5" in text
    assert "Riket (registrets total)" in text
    # each unit links to Hitta vårdgivare for the group among its own region's units
    assert 'href="/katalog/sok/?kva=CJE&amp;region=03"' in response.content.decode()
    assert 'href="/katalog/sok/?kva=CJE&amp;region=22"' in response.content.decode()


def test_descending_sort_still_puts_suppressed_last(client_for, imported):
    response = client_for(Roll.VARDLOTS).get("/lagesbild/?kva=CJE&period=90&sort=median&ordning=fallande")
    assert _unit_order(response) == [
        "SE2321000206-OGON01",
        "SE5560000001-OGON02",
        "SE5563334440-OGON01",
        "SE5563334440-OGON02",
    ]


def test_region_level_shows_register_totals_not_a_median_of_medians(client_for, imported):
    response = client_for(Roll.VARDLOTS).get("/lagesbild/?kva=CJE&period=90&niva=region")
    text = _text(response)
    assert "Region Västernorrland (regiontotal)" in text
    assert "160" in text  # the register's own total for region 22 (units: 164)
    assert "Region Uppsala (regiontotal)" not in text  # no total delivered → nothing computed
    assert "Region Uppsala uppgift saknas" in text  # … but the region is listed, not dropped
    assert "21304" in text.replace(" ", "")


def test_free_text_finds_the_group_and_spor_shows_asa(client_for, imported):
    response = client_for(Roll.VARDLOTS).get("/lagesbild/?kva=ngb")
    text = _text(response)
    assert "ASA 3–4 (senaste 12 mån)" in text
    assert "11,6 %" in text  # the 12-month share (the 90-day row says 12,5 %)
    assert _unit_order(response) == ["SE5565432100-CAPIO1", "SE2321000180-FALU01"]


def test_unknown_text_gives_a_clear_message(client_for, imported):
    response = client_for(Roll.VARDLOTS).get("/lagesbild/?kva=xyzzy")
    assert "Ingen KVÅ-grupp matchar" in _text(response)


def test_htmx_request_returns_only_the_result_fragment(client_for, imported):
    response = client_for(Roll.VARDLOTS).get("/lagesbild/?kva=CJE", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="resultat")
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="resultat"')
    assert "<html" not in body


def test_autocomplete_suggests_groups(client_for, imported):
    response = client_for(Roll.VARDLOTS).get("/lagesbild/kva/?kva=katarakt")
    assert "CJE" in response.content.decode()


def test_table_query_count_is_bounded(client_for, imported, django_assert_max_num_queries):
    client = client_for(Roll.VARDLOTS)
    with django_assert_max_num_queries(15):  # 12, + the coverage text (2) and the 12-month ASA share (1)
        client.get("/lagesbild/?kva=CJE&period=90")


def test_unit_view_shows_months_chart_table_and_national_series(client_for, tmp_path, today):
    datum = today - timedelta(days=1)
    months = []
    y, m = datum.year, datum.month
    for _ in range(18):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        months.append(f"{y}-{m:02d}")
    months.reverse()
    rows = [
        f"{datum};20;SE2321000180-FALU01;Falu;NGB;{mm};alla;30;{200 - i};300;20,0;10,0" for i, mm in enumerate(months)
    ]
    rows += [f"{datum};00;;;NGB;{mm};alla;3000;{120 + i};300;40,0;15,0" for i, mm in enumerate(months)]
    rows[3] = f"{datum};20;SE2321000180-FALU01;Falu;NGB;{months[3]};alla;<5;;;;"
    rows.append(f"{datum};20;SE2321000180-FALU01;Falu;NGB;90d;alla;48;212;365;18,8;12,5")
    importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, rows), startad_av="kommando")
    response = client_for(Roll.VARDLOTS).get("/lagesbild/enheter/SE2321000180-FALU01/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<svg") == 1 and "<title" in body and "chart-with-table" in body
    assert "style=" not in body.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert all(m in body for m in months)
    assert "NGB – riket" in body
    assert "6 dagar kortare" in _text(response)  # 200-11=189 → 200-17=183
    assert "färre än 5" in body


def test_unit_view_unknown_unit_is_404(client_for, imported):
    assert client_for(Roll.VARDLOTS).get("/lagesbild/enheter/SE000-OKAND/").status_code == 404


def test_vantetider_shows_the_national_january_2024_figures_exactly(client_for, tmp_path):
    rows = [
        "2024-01;00;atgard;Alla;200231;70080;99089;98049",
        "2024-01;00;besok;Alla;485112;152810;238349;253621",
        "2024-01;20;atgard;Ögonsjukvård;2890;1604;702;688",
    ]
    importera_fil(write(tmp_path, "vantetider_202401.csv", VT_HEADER, rows), startad_av="kommando")
    client = client_for(Roll.KOORDINATOR)
    text = _text(client.get("/lagesbild/vantetider/"))
    assert "200 231" in text and "485 112" in text
    assert "65,0 %" in text  # 1 − 70080/200231
    assert "Väntetidsdatabasen: senaste leverans 2024-01-31" in text  # old sample → stale warning
    regional = _text(client.get("/lagesbild/vantetider/?region=20"))
    assert "2 890" in regional and "Ögonsjukvård" in regional
