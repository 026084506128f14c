"""Random form input and query parameters at every form: never a 500, errors shown in Swedish.

The Django test client re-raises a view's exception, so a 500 fails the example with its traceback.
"""

import html
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from arenden import services
from arenden.personnummer import make_test_number
from katalog.models import KvaGrupp
from tests.factories import VardenhetFactory, make_user
from tests.robustness.strategies import english_in
from vardformedling.models import Medarbetaruppdrag, Region, Roll

pytestmark = pytest.mark.django_db

HYP = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

# Values a user (or a mangled bookmark) may send: empty, huge, negative, wrong type, odd Unicode, NUL.
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "9" * 30,
            "1e9",
            "abc",
            "2026-02-30",
            "31/12/2026",
            "ja",
            "on",
            "CJE",
            "20",
            "00",
            "<script>",
            "' OR 1=1 --",
            "Ö" * 500,
            "\x00",
            "%00",
            "SE2321000180-FALU01",
            "2026-01-01",
        ]
    ),
    st.text(max_size=40),
)
ERRORS = re.compile(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>|class="alert alert--error"[^>]*>(.*?)</', re.S)


def error_texts(content: bytes) -> list[str]:
    text = content.decode()
    found = []
    for m in ERRORS.finditer(text):
        inner = m.group(1) or m.group(2) or ""
        found += [
            html.unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li>(.*?)</li>", inner, re.S)
        ]
        if m.group(2):
            found.append(html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip())
    return [f for f in found if f]


def assert_handled(response, ok=(200, 302, 400, 403, 404, 422)):
    assert response.status_code in ok, response.status_code
    if response.status_code in (200, 400, 422) and "html" in response.get("Content-Type", ""):
        errors = error_texts(response.content)
        assert not english_in(errors), errors


def form_data(fields: list[str]):
    return st.fixed_dictionaries({}, optional=dict.fromkeys(fields, VALUES))


REGISTRERA_FALT = [
    "personnummer",
    "namn",
    "kontaktuppgifter",
    "kontaktvag",
    "region",
    "kommun",
    "remitterande_hsa",
    "remitterande_text",
    "kva",
    "diagnos_kod",
    "diagnos_text",
    "asa_klass",
    "narkos",
    "lakemedel",
    "tolkbehov",
    "beslutsdatum",
    "medicinskt_senast",
    "max_restid",
    "max_avstand",
    "ledsagare",
    "lamplig",
    "lamplighet_motivering",
    "tillat_dubblett",
]


@pytest.fixture
def lots_client(client_for):
    return client_for(Roll.VARDLOTS, "20")


@HYP
@given(data=form_data(REGISTRERA_FALT))
@example(
    data={"personnummer": "19121212-1212", "namn": "x", "region": "20", "kva": "CJE", "beslutsdatum": "1899-01-01"}
)
@example(data={"personnummer": "\x00", "region": "\x00", "kva": "\x00", "beslutsdatum": "\x00"})
def test_case_registration_with_random_input_never_fails_and_answers_in_swedish(lots_client, data):
    assert_handled(lots_client.post("/arenden/nytt/", data))


@pytest.fixture
def mottagare_client(client_for):
    return client_for(Roll.MOTTAGARE, vardenhet=VardenhetFactory(hsa_id="SE5560000001-HYP01"))


KAPACITET_FALT = ["typ", "kva", "antal", "period", "period_fran", "period_till", "villkor", "kontakt", "giltig_till"]


@HYP
@given(data=form_data(KAPACITET_FALT))
@example(data={"typ": "ledig", "kva": "CJE", "antal": "9" * 30, "period": "vecka", "giltig_till": "2026-01-01"})
def test_capacity_announcement_with_random_input_never_fails(mottagare_client, data):
    assert_handled(mottagare_client.post("/katalog/kapacitet/ny/", data))


@pytest.fixture
def case_in_search(db):
    lots = make_user(Roll.VARDLOTS, "20", namn="Hypo Lots")
    arende = services.arende_registrera(
        anvandare=lots,
        uppdrag=Medarbetaruppdrag.objects.get(user=lots),
        region=Region.objects.get(kod="20"),
        personnummer=make_test_number(1950, 3, 4, 77),
        namn="Test Testsson",
        kva=KvaGrupp.objects.get(kod="CJE"),
        beslutsdatum=timezone.localdate() - timedelta(days=30),
        lamplig=True,
    )
    VardenhetFactory(hsa_id="SE5560000001-HYP02")
    return lots, arende


@HYP
@given(data=form_data(["version", "vardenhet", "avtalsrad", "forvantat_datum", "erbjudet_via", "svarsfrist"]))
@example(data={"version": "9" * 30, "vardenhet": "SE5560000001-HYP02", "svarsfrist": "2026-01-01"})
@example(data={"version": "-1", "vardenhet": "\x00", "avtalsrad": "9" * 30, "erbjudet_via": "x"})
def test_offer_form_with_random_input_never_fails(client, case_in_search, data):
    lots, arende = case_in_search
    client.force_login(lots, backend="vardformedling.auth.SithsStubBackend")
    assert_handled(client.post(f"/arenden/{arende.case_id}/erbjudanden/nytt/", data))


def test_offer_form_with_nul_in_unit_is_refused_not_a_500(client, case_in_search):
    lots, arende = case_in_search
    client.force_login(lots, backend="vardformedling.auth.SithsStubBackend")
    assert_handled(client.post(f"/arenden/{arende.case_id}/erbjudanden/nytt/", {"vardenhet": "SE\x00", "version": "1"}))


SEARCH_PAGES = {
    "/katalog/sok/": [
        "q",
        "kva",
        "region",
        "sjukvardsregion",
        "agarform",
        "max_avstand",
        "asa",
        "narkos",
        "med_avtal",
        "max_vantetid",
        "patientregion",
        "fran",
        "datum",
        "arende",
        "sida",
        "v_vantetid",
    ],
    "/lagesbild/": ["kva", "period", "niva", "region", "sort", "ordning", "urval", "sida"],
    "/lagesbild/vantetider/": ["region", "vardomrade", "period"],
    "/avtal/": ["agare", "vardgivare", "kva", "typ", "status", "min_region", "sort", "sida", "format"],
    "/arenden/": ["flik", "steg", "status", "kva", "handlaggare", "forsenade", "q", "sida"],
    "/katalog/kapacitet/": ["typ", "kva", "region", "sida"],
}


@HYP
@given(page=st.sampled_from(sorted(SEARCH_PAGES)), data=st.data())
def test_search_and_filter_parameters_never_fail(lots_client, page, data):
    params = data.draw(form_data(SEARCH_PAGES[page]))
    assert_handled(lots_client.get(page, params))


@pytest.mark.parametrize(
    "url",
    [
        "/lagesbild/?kva=%00",
        "/lagesbild/kva/?kva=%00",
        "/lagesbild/enheter/%00/",
        "/avtal/?agare=%00",
        "/avtal/?kva=%00",
        "/avtal/%00/",
        "/arenden/?kva=%00",
        "/katalog/kapacitet/?kva=%00",
        "/katalog/kapacitet/?region=%00",
        "/katalog/enheter/%00/",
        "/arenden/%00/",
        "/katalog/sok/?q=%00&region=%00&fran=%00",
    ],
)
def test_a_nul_byte_in_the_url_is_refused_not_a_500(lots_client, url):
    lots_client.raise_request_exception = False
    assert lots_client.get(url).status_code in (400, 404, 200)


@HYP
@given(
    case_id=st.one_of(st.text(min_size=1, max_size=40), st.sampled_from(["20-2026-000001", "XX-0000-0", "..", "%00"]))
)
def test_bad_case_ids_give_404_not_500(lots_client, case_id):
    response = lots_client.get(f"/arenden/{quote(case_id, safe='')}/")
    assert response.status_code in (400, 404, 301, 302), response.status_code
