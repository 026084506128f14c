"""The follow-up page: who may see what, suppression, filters in the URL, HTMX, bounded queries."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arenden import services
from arenden.models import Arende
from katalog.models import KvaGrupp
from tests.factories import VardenhetFactory
from tests.uppfoljning.conftest import PATIENTNAMN
from vardformedling.models import Roll

URL = "/uppfoljning/"


def _varden(resp, tabell="nyckeltal") -> dict[str, str]:
    return {r[0].text: r[1].text for r in resp.context["tabeller"][tabell].rader}


def _flode(resp) -> dict[tuple[str, str], str]:
    t = resp.context["tabeller"]["floden"]
    return {(r[0].text[:2], k[:2]): c.text for r in t.rader for k, c in zip(t.kolumner[1:-1], r[1:-1], strict=True)}


def test_anonymous_users_are_sent_to_login(client):
    resp = client.get(URL)
    assert resp.status_code == 302 and resp["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("roll", [Roll.VARDLOTS, Roll.MOTTAGARE])
def test_navigators_and_receiving_units_get_403(client_for, roll):
    assert client_for(roll).get(URL).status_code == 403
    assert client_for(roll).get(URL + "?export=nyckeltal&format=csv").status_code == 403


def test_coordinator_sees_own_region_unsuppressed_and_cannot_switch_region(kanda, client_for):
    c = client_for(Roll.KOORDINATOR, "06")
    resp = c.get(URL + "?region=20")
    assert resp.status_code == 200
    v = _varden(resp)
    assert v["Registrerade ärenden"] == "47"
    assert v["Acceptansgrad"] == "66\u00a0%"
    assert _varden(resp, "avbojda")["Datumet passar inte"] == "4"  # own patients: small counts shown
    html = resp.content.decode()
    assert PATIENTNAMN not in html
    assert 'id="f-region"' not in html  # no region choice for coordinators
    assert "chart-with-table" in html and "<title id=" in html and "<desc id=" in html


def test_other_region_coordinator_sees_only_its_cases(kanda, client_for):
    resp = client_for(Roll.KOORDINATOR, "20").get(URL)
    assert _varden(resp)["Registrerade ärenden"] == "3"
    assert _varden(resp)["Lämnade erbjudanden"] == "3"


def test_coordinator_as_receiving_region_sees_suppressed_counts(kanda, client_for):
    resp = client_for(Roll.KOORDINATOR, "05").get(URL + "?som=mottagande")
    v = _varden(resp)
    assert v["Förmedlade patienter"] == "42"  # 39 from region 06 and 3 from region 20
    assert _flode(resp)[("20", "05")] == "<5"
    assert _flode(resp)[("06", "05")] == "39"
    assert _varden(resp, "avslutade")["Behandlad i hemregionen"] == "<5"


def test_administrator_sees_national_totals_with_region_cells_suppressed(kanda, client_for):
    resp = client_for(Roll.ADMINISTRATOR).get(URL)
    v = _varden(resp)
    assert v["Registrerade ärenden"] == "50"
    assert v["Lämnade erbjudanden"] == "62"
    assert v["Acceptansgrad"] == "68\u00a0%"  # 42 of 62
    assert _flode(resp) == {("06", "05"): "39", ("20", "05"): "<5"}
    assert 'id="f-region"' in resp.content.decode()


def test_administrator_narrowing_to_one_region_gets_everything_suppressed(kanda, client_for):
    resp = client_for(Roll.ADMINISTRATOR).get(URL + "?region=20")
    v = _varden(resp)
    assert v["Registrerade ärenden"] == "<5"
    assert v["Acceptansgrad"] == "–"


def test_filters_are_in_the_url_and_narrow_the_figures(kanda, client_for):
    c = client_for(Roll.KOORDINATOR, "06")
    assert _varden(c.get(URL + "?kva=CJE"))["Registrerade ärenden"] == "2"
    assert _varden(c.get(URL + "?utfall=utford"))["Registrerade ärenden"] == "6"
    vg = kanda.rad.avtal.vardgivare_id
    assert _varden(c.get(URL + f"?vardgivare={vg}"))["Registrerade ärenden"] == "39"
    idag = kanda.idag.isoformat()
    resp = c.get(URL + f"?fran={idag}&till={idag}")
    assert _varden(resp)["Registrerade ärenden"] == "2"
    assert f'value="{idag}"' in resp.content.decode()
    assert f"fran={idag}" in resp.context["query"]


def test_bad_dates_give_a_swedish_message_and_the_default_period(kanda, client_for):
    resp = client_for(Roll.KOORDINATOR, "06").get(URL + "?fran=2026-13-45&till=igår")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "Datumet i fältet ”Från” ska skrivas ÅÅÅÅ-MM-DD" in html
    assert _varden(resp)["Registrerade ärenden"] == "47"


@pytest.mark.parametrize("query", ["till=9999-12-31", "fran=0001-01-01", "vardgivare=%C2%B2", "vardgivare=" + "9" * 40])
def test_dates_out_of_range_and_odd_numbers_give_the_default_not_a_500(kanda, client_for, query):
    resp = client_for(Roll.KOORDINATOR, "06").get(URL + "?" + query)
    assert resp.status_code == 200
    assert _varden(resp)["Registrerade ärenden"] == "47"
    if "01-01" in query or "12-31" in query:
        assert "ska ligga mellan 2000-01-01 och 2099-12-31" in resp.content.decode()


def test_htmx_request_gets_only_the_results_fragment(kanda, client_for):
    resp = client_for(Roll.KOORDINATOR, "06").get(
        URL + "?kva=NGB", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="uppfoljning-resultat"
    )
    html = resp.content.decode()
    assert html.lstrip().startswith('<div id="uppfoljning-resultat">')
    assert "<html" not in html
    assert "Acceptansgrad" in html


def _mer_data(kanda, n: int) -> None:
    """n more performed cases in 10 KVÅ groups, registered today, referred by new units (new days-saved groups)."""
    a0 = kanda.region20[0]
    koder = list(KvaGrupp.objects.values_list("kod", flat=True)[:10])
    for i in range(n):
        a = Arende.objects.get(pk=a0.pk)
        a.pk = None
        a.kva_id = koder[i % len(koder)]
        a.case_id = f"VF-2026-20-9{i:05d}-0"
        a.remitterande_enhet = VardenhetFactory(region_id="20")
        a.utfort_datum = kanda.idag - timedelta(days=1)
        a.save()


def test_page_query_count_does_not_grow_with_the_number_of_cases(kanda, client_for, django_assert_max_num_queries):
    c = client_for(Roll.ADMINISTRATOR)
    c.get(URL)  # session and commission lookups warmed up
    cache.clear()
    with CaptureQueriesContext(connection) as fore:
        c.get(URL)
    _mer_data(kanda, 30)
    cache.clear()
    with django_assert_max_num_queries(30), CaptureQueriesContext(connection) as efter:
        resp = c.get(URL)
    assert resp.status_code == 200
    assert _varden(resp)["Registrerade ärenden"] == "80"
    assert len(efter) == len(fore)


def test_figures_are_cached_until_a_case_changes(kanda, client_for):
    c = client_for(Roll.KOORDINATOR, "06")
    cache.clear()
    c.get(URL)
    with CaptureQueriesContext(connection) as andra:
        resp = c.get(URL)
    assert _varden(resp)["Registrerade ärenden"] == "47"
    assert not any("percentile_cont" in q["sql"] or "arenden_erbjudande" in q["sql"] for q in andra)
    services.arende_avsluta_tidigt(arende=kanda.pilot[30], anvandare=None, orsak="behov_upphort")
    resp = c.get(URL)
    assert _varden(resp)["Avslutade i förtid"] == "5"


def test_page_works_when_the_cache_is_unreachable(kanda, client_for, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    resp = client_for(Roll.KOORDINATOR, "06").get(URL)
    assert resp.status_code == 200
    assert _varden(resp)["Registrerade ärenden"] == "47"


def test_the_description_follows_the_chosen_receiving_role_with_htmx_too(client_for):
    from vardformedling.models import Roll

    c = client_for(Roll.KOORDINATOR, "06")
    r = c.get("/uppfoljning/", {"som": "mottagande"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="uppfoljning-resultat")
    html = r.content.decode()
    assert "som mottagande region" in html and "som remitterande region" not in html


def test_each_heading_is_aligned_like_its_column_numbers_right_text_left(kanda, client_for):
    """Review finding: every heading but the first was right-aligned, the text column "Förklaring" too."""
    html = client_for(Roll.KOORDINATOR, "06").get(URL).content.decode()
    assert '<th scope="col">Mått</th><th scope="col" class="num">Värde</th><th scope="col">Förklaring</th>' in html
    assert '<th scope="col">Månad</th><th scope="col" class="num">Registrerade</th>' in html
    # The "Förklaring" cells are text (left), the "Värde" cells numbers (right).
    rad = html.split('<th scope="row">Registrerade ärenden</th>', 1)[1].split("</tr>", 1)[0]
    assert rad.startswith('<td class="num">') and '<td class="">' in rad
