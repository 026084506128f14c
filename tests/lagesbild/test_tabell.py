"""The comparison table (/lagesbild/): HTMX answers, what is applied vs what was asked, the region filter, sorting
cues and the region level listing every region."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from lagesbild.importers import importera_fil
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, ncr_rows, spor_rows, write
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "resultat"}


@pytest.fixture
def imported(tmp_path):
    datum = (timezone.localdate() - timedelta(days=1)).isoformat()
    rows = [*ncr_rows(datum), f"{datum};12;SE5563334440-OGON02;Synkliniken Malmö;CJE;90d;alla;<5;;;"]
    importera_fil(write(tmp_path, "ncr.csv", NCR_HEADER, rows), startad_av="kommando")
    importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, spor_rows(datum)), startad_av="kommando")


@pytest.fixture
def lots(client_for):
    return client_for(Roll.VARDLOTS)


def _text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).replace("\xa0", " "))


def _units(response) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/lagesbild/enheter/([^/]+)/">', response.content.decode())


def _h2(response) -> str:
    match = re.search(r'<h2 id="resultat-rubrik">(.*?)</h2>', response.content.decode(), re.S)
    return re.sub(r"\s+", " ", unescape(match.group(1)))


def _urval_field(body: str) -> str:
    return re.search(r'<div class="field" id="urval-falt".*?</div>', body, re.S).group(0)


# --- 1. The fragment and the page share a URL --------------------------------------------------------------


def test_the_htmx_fragment_varies_on_the_htmx_headers_and_is_never_cached(lots, imported):
    fragment = lots.get("/lagesbild/?kva=CJE", **HTMX)
    assert fragment.content.decode().lstrip().startswith('<section id="resultat"')
    assert {"HX-Request", "HX-Target"} <= {v.strip() for v in fragment["Vary"].split(",")}
    assert "no-store" in fragment["Cache-Control"]
    page = lots.get("/lagesbild/?kva=CJE")
    assert "<html" in page.content.decode()
    assert "HX-Request" in page["Vary"]  # a cache may not answer the page with the fragment either


# --- 2. The urval field and the URL follow what the server applied -------------------------------------------


def test_changing_from_an_ncr_to_a_spor_group_resets_urval_and_rerenders_its_options(lots, imported):
    response = lots.get("/lagesbild/?kva=NGB&period=90&niva=enhet&urval=narkos&sort=median&ordning=stigande", **HTMX)
    body = response.content.decode()
    falt = _urval_field(body)
    assert 'hx-swap-oob="true"' in falt  # swapped into the form outside #resultat
    assert '<option value="alla" selected>' in falt
    assert 'value="inom_3m"' in falt and 'value="narkos"' not in falt
    assert '<div id="kva-forslag" hx-swap-oob="innerHTML"></div>' in body  # old suggestions are cleared
    assert response["HX-Push-Url"] == "/lagesbild/?kva=NGB&period=90&niva=enhet&urval=alla&sort=median&ordning=stigande"
    assert _h2(response).endswith("90 dagar, per vårdenhet, alla patienter")
    assert "Urvalet narkos finns inte för NGB (SPOR); visar alla patienter." in _text(response)


def test_an_ncr_group_offers_anaesthesia_and_the_heading_names_the_applied_urval(lots, imported):
    response = lots.get("/lagesbild/?kva=kataraktoperation&urval=narkos", **HTMX)
    falt = _urval_field(response.content.decode())
    assert '<option value="narkos" selected>' in falt and 'value="inom_3m"' not in falt
    assert (
        response["HX-Push-Url"] == "/lagesbild/?kva=CJE&period=90&niva=enhet&urval=narkos&sort=median&ordning=stigande"
    )
    assert _h2(response).endswith("90 dagar, per vårdenhet, narkos (generell anestesi)")
    assert "per vårdenhet, narkos (generell anestesi)" in re.search(
        r"<caption[^>]*>(.*?)</caption>", unescape(response.content.decode()), re.S
    ).group(1)


def test_the_page_itself_shows_the_urval_applied_in_the_form(lots, imported):
    body = lots.get("/lagesbild/?kva=NGB&urval=narkos").content.decode()
    falt = _urval_field(body)
    assert "hx-swap-oob" not in falt
    assert '<option value="alla" selected>' in falt and 'value="narkos"' not in falt


# --- a. Values that are not allowed fall back to the default, and the page says so ---------------------------


@pytest.mark.parametrize(
    ("query", "meddelande"),
    [
        ("period=7", "Perioden 7 finns inte (välj 30, 90 eller 365 dagar); visar 90 dagar."),
        ("niva=foo", "Nivån foo finns inte (välj vårdenhet eller region); visar vårdenheter."),
        ("sort=garbage", "Det går inte att sortera på garbage; sorterar på median."),
        ("ordning=upp", "Ordningen upp finns inte; sorterar stigande."),
        ("sida=999", "Sidan 999 finns inte; visar sida 1."),
        ("sida=abc", "Sidan abc finns inte; visar sida 1."),
        ("urval=inom_3m", "Urvalet inom_3m finns inte för CJE (NCR); visar alla patienter."),
        ("region=99", "Regionen 99 finns inte; visar alla regioner."),
        ("region=<b>x</b>", "Regionen <b>x</b> finns inte; visar alla regioner."),
    ],
)
def test_an_unknown_value_falls_back_to_the_default_with_a_swedish_note(lots, imported, query, meddelande):
    response = lots.get(f"/lagesbild/?kva=CJE&{query}")
    assert response.status_code == 200
    assert meddelande in _text(response)
    assert "<b>x</b>" not in response.content.decode()  # the user's own text is escaped
    assert _units(response)[:2] == ["SE5560000001-OGON02", "SE2321000206-OGON01"]  # the default table


def test_valid_values_give_no_note(lots, imported):
    response = lots.get("/lagesbild/?kva=CJE&period=30&niva=enhet&urval=narkos&sort=antal&ordning=fallande&sida=1")
    assert "lb-noter" not in response.content.decode()


def test_absurd_parameters_never_give_a_server_error(lots, imported):
    for query in ("period=%00", "sida=-1", "sida=1e9", "region=%C2%B2", "kva=" + "x" * 5000, "urval=" + "ö" * 300):
        assert lots.get(f"/lagesbild/?kva=CJE&{query}").status_code < 500, query


# --- c. Region filter at unit level -------------------------------------------------------------------------


def test_the_region_filter_keeps_one_regions_units_and_the_national_row(lots, imported):
    response = lots.get("/lagesbild/?kva=CJE&niva=enhet&region=22")
    body = response.content.decode()
    assert _units(response) == ["SE2321000206-OGON01"]
    assert "Riket (registrets total)" in _text(response)
    assert '<option value="22" selected>' in body
    assert _h2(response).endswith("per vårdenhet i Region Västernorrland, alla patienter")
    assert "region=22" in re.search(r'<th scope="col"[^>]*><a href="([^"]+)">Operationer', body).group(1)
    assert lots.get("/lagesbild/?kva=CJE&niva=enhet&region=3").content.decode().count("/lagesbild/enheter/") == 1


def test_each_units_search_link_is_for_its_own_region(lots, imported):
    body = lots.get("/lagesbild/?kva=CJE").content.decode()
    rad = re.search(
        r"<tr>\s*<th scope=\"row\"><a href=\"/lagesbild/enheter/SE2321000206-OGON01/\">.*?</tr>", body, re.S
    )
    assert 'href="/katalog/sok/?kva=CJE&amp;region=22"' in rad.group(0)
    assert "hos vårdgivare i Region Västernorrland" in rad.group(0)


# --- e. Region level lists every region -----------------------------------------------------------------------


def test_the_region_level_lists_regions_without_a_register_total_as_missing(lots, imported):
    response = lots.get("/lagesbild/?kva=CJE&niva=region")
    text = _text(response)
    assert "21 regioner (20 utan regiontotal i registret)" in text
    assert "Region Västernorrland (regiontotal) 330 160 238 23,0 % NCR" in text
    assert "Region Uppsala uppgift saknas" in text and "Region Dalarna uppgift saknas" in text
    # sorted last, whatever the direction
    fallande = _text(lots.get("/lagesbild/?kva=CJE&niva=region&sort=median&ordning=fallande"))
    assert fallande.index("Region Västernorrland (regiontotal)") < fallande.index("Region Blekinge uppgift saknas")
    ett = _text(lots.get("/lagesbild/?kva=CJE&niva=region&region=03"))
    assert "1 region (1 utan regiontotal i registret)" in ett and "(regiontotal)" not in ett


def test_the_region_level_query_count_is_bounded(lots, imported, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):  # 12, + the coverage text (2) and the 12-month ASA share (1)
        lots.get("/lagesbild/?kva=CJE&period=90&niva=region")
    with django_assert_max_num_queries(15):  # 12, + the coverage text (2) and the 12-month ASA share (1)
        lots.get("/lagesbild/?kva=CJE&period=90&niva=enhet&region=22", **HTMX)


# --- d. Sort cue; numbers; live region ----------------------------------------------------------------------


def test_the_sorted_column_shows_an_arrow_beside_aria_sort(lots, imported):
    body = lots.get("/lagesbild/?kva=CJE&sort=antal&ordning=fallande").content.decode()
    th = re.search(r'<th scope="col" class="num" aria-sort="descending">(.*?)</th>', body, re.S).group(1)
    assert "Operationer" in th and '<span class="sortpil" aria-hidden="true">▼</span>' in th
    assert body.count('class="sortpil"') == 1
    stigande = lots.get("/lagesbild/?kva=CJE&sort=antal").content.decode()
    assert re.search(r'aria-sort="ascending"><a [^>]+>Operationer <span class="sortpil" aria-hidden="true">▲', stigande)


def test_counts_are_grouped_with_a_non_breaking_space(lots, imported):
    body = lots.get("/lagesbild/?kva=CJE").content.decode()
    assert '<td class="num">21\xa0304</td>' in body


def test_the_result_is_not_one_big_live_region_but_has_a_short_summary(lots, imported):
    body = lots.get("/lagesbild/?kva=CJE", **HTMX).content.decode()
    assert "aria-live" not in body.split(">", 1)[0]
    summary = re.search(r"<span data-live-summary>(.*?)</span>", body, re.S).group(1)
    assert " ".join(summary.split()) == "3 vårdenheter, sorterade på median stigande."


# --- 3. Warn only about the sources the page uses -------------------------------------------------------------


def test_a_cataract_table_does_not_warn_about_a_stale_spor(lots, tmp_path):
    idag = timezone.localdate()
    importera_fil(write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows(str(idag - timedelta(days=1)))), startad_av="x")
    importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, spor_rows(str(idag - timedelta(days=9)))), startad_av="x")
    cje = _text(lots.get("/lagesbild/?kva=CJE"))
    assert "SPOR: senaste leverans" not in cje and "inaktuella" not in cje
    assert "Källor: NCR" in cje
    ngb = lots.get("/lagesbild/?kva=NGB", **HTMX)
    assert "SPOR: senaste leverans" in _text(ngb) and "inaktuella" in _text(ngb)  # also in the HTMX fragment
