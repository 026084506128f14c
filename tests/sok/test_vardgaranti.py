"""The ranking respects the care guarantee (issue #14 point 10): a unit whose expected care date (planned date +
median wait) falls after the patient's guarantee date is marked, scores 0 for its wait and comes after every unit
that meets the guarantee or whose wait is unknown. A worked example with a known order, the case's own guarantee
date, and what the page says."""

from datetime import date, timedelta

import pytest

from arenden.models import Arende
from katalog.models import KvaGrupp
from sok.search import Referens, Sokparametrar, sok
from tests.factories import VardenhetFactory, VardutbudFactory
from tests.sok.helpers import Fakes, vantetid
from vardformedling.models import Region, Roll

pytestmark = pytest.mark.django_db

PLANERAT = date(2026, 12, 1)
KM_PER_GRAD = 111.195  # one degree of latitude


@pytest.fixture
def knaplastik(monkeypatch):
    """Knee replacement (NGB) for a patient in Dalarna (region 20, 90-day guarantee): five units, no agreements."""
    fakes = Fakes(monkeypatch)

    def enhet(namn, median, lat):
        vu = VardutbudFactory(
            vardenhet=VardenhetFactory(namn=namn, lat=lat, lon=15.0), kva=KvaGrupp.objects.get(kod="NGB")
        )
        if median is not None:
            fakes.vantetider[vu.vardenhet_id] = vantetid(median)
        return vu

    enhet("A 99 dagar, här", 99, 60.0)
    enhet("B 60 dagar, 111 km", 60, 61.0)
    enhet("C 145 dagar, här", 145, 60.0)
    enhet("D väntetid okänd, 56 km", None, 60.5)
    enhet("E 90 dagar, 222 km", 90, 62.0)
    dalarna = Region.objects.get(kod="20")
    assert dalarna.vardgaranti_dagar == 90
    return Sokparametrar(
        kva=KvaGrupp.objects.get(kod="NGB"),
        patientregion="20",
        referens=Referens(60.0, 15.0, "test"),
        datum=PLANERAT,
        vardgaranti=dalarna.vardgaranti_datum(PLANERAT),  # 2027-03-01
    )


def _delar(t):
    return {d.nyckel: d for d in t.delar}


def test_units_that_break_the_guarantee_come_last_with_no_points_for_their_wait(knaplastik):
    res = sok(knaplastik)

    # Score = (4·wait + 2·distance + 1·price + 2·agreement + 1·capability) / 10; no agreements → price 0, agreement 0.
    # B: 60 d → 83.6, 111 km → 88.9 → 61.2     E: 90 d (care on the last day) → 75.3, 222 km → 77.8 → 55.7
    # D: unknown wait → 0, 56 km → 94.4 → 28.9  (kept among those that may meet it: nothing says it cannot)
    # A: 99 d > 90 → 0, here → 100 → 30.0       C: 145 d > 90 → 0, here → 100 → 30.0 (tie: name)
    # Without the rule A (59.2) would rank second and C (54.1) fourth, ahead of units that meet the guarantee.
    assert [(t.namn, t.poang) for t in res.traffar] == [
        ("B 60 dagar, 111 km", 61.2),
        ("E 90 dagar, 222 km", 55.7),
        ("D väntetid okänd, 56 km", 28.9),
        ("A 99 dagar, här", 30.0),
        ("C 145 dagar, här", 30.0),
    ]
    assert [t.klarar_vardgaranti for t in res.traffar] == [True, True, None, False, False]
    assert res.antal_klarar_inte_vardgaranti == 2

    a = res.traffar[3]
    assert a.forvantat == date(2027, 3, 10) and a.vardgaranti == date(2027, 3, 1)
    assert _delar(a)["vantetid"].poang == 0.0
    assert _delar(a)["vantetid"].forklaring == (
        "median 99\u00a0dagar – klarar inte vårdgarantin (vård omkring 2027-03-10, garantin löper ut 2027-03-01)"
        " – ger 0 poäng"
    )
    assert (
        _delar(res.traffar[0])["vantetid"].forklaring == "median 60\u00a0dagar – inom vårdgarantin (t.o.m. 2027-03-01)"
    )
    assert "vårdgarantin kan inte prövas" in _delar(res.traffar[2])["vantetid"].forklaring


def test_a_case_with_an_earlier_guarantee_date_moves_more_units_back(knaplastik):
    knaplastik.vardgaranti = PLANERAT + timedelta(days=70)  # e.g. the decision was taken three weeks ago
    res = sok(knaplastik)
    assert [t.namn for t in res.traffar] == [
        "B 60 dagar, 111 km",
        "D väntetid okänd, 56 km",
        "A 99 dagar, här",
        "C 145 dagar, här",
        "E 90 dagar, 222 km",
    ]


def test_without_a_guarantee_date_nothing_is_judged(knaplastik):
    knaplastik.vardgaranti = None
    res = sok(knaplastik)
    assert {t.klarar_vardgaranti for t in res.traffar} == {None}
    assert res.traffar[0].namn == "B 60 dagar, 111 km" and res.traffar[1].namn == "A 99 dagar, här"


# --- The page ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def jonkoping_katarakt(monkeypatch):
    """Cataract (CJE) for a patient in Jönköping (06): a unit with a 145-day median and one with 40 days."""
    fakes = Fakes(monkeypatch)
    lang = VardutbudFactory(vardenhet=VardenhetFactory(namn="Lång kö Ögon", lat=57.78, lon=14.16))
    kort = VardutbudFactory(vardenhet=VardenhetFactory(namn="Kort kö Ögon", lat=59.86, lon=17.64))
    fakes.vantetider = {lang.vardenhet_id: vantetid(145), kort.vardenhet_id: vantetid(40)}
    return fakes


def _sok(client, **extra):
    params = {"kva": "CJE", "patientregion": "06", "datum": "2026-12-01", **extra}
    return client.get("/katalog/sok/", params).content.decode()


def test_the_page_marks_the_unit_and_says_which_guarantee_date_it_used(client_for, jonkoping_katarakt):
    body = _sok(client_for(Roll.VARDLOTS, region="06"))
    assert body.index("Kort kö Ögon") < body.index("Lång kö Ögon")
    assert body.count("klarar inte vårdgarantin</span>") == 1
    lang = body[body.index("Lång kö Ögon") :]
    assert lang.index("klarar inte vårdgarantin</span>") < lang.index("</li>")  # on the right unit
    assert "Vårdgarantin löper ut <strong>2027-03-01</strong>" in body
    assert "Region Jönköpings län: 90 dagar från planerat datum" in body
    assert "1 enhet klarar inte vårdgarantin med sin medianväntetid och visas sist." in body


def _arende(region: str, garanti: date) -> Arende:
    return Arende.objects.create(
        case_id="VF-2026-06-000123-0" if region == "06" else "VF-2026-20-000123-1",
        region_id=region,
        kva_id="CJE",
        beslutsdatum=garanti - timedelta(days=90),
        vardgaranti_datum=garanti,
    )


def test_a_search_for_a_case_uses_the_cases_guarantee_date(client_for, jonkoping_katarakt):
    arende = _arende("06", date(2027, 1, 18))
    body = _sok(client_for(Roll.VARDLOTS, region="06"), arende=arende.case_id)
    assert f'Vårdgarantin löper ut <strong>2027-01-18</strong> <span class="muted">(ärende {arende.case_id})' in body


def test_a_case_the_user_may_not_see_gives_nothing_away(client_for, jonkoping_katarakt):
    arende = _arende("20", date(2027, 1, 18))  # another region's case
    body = _sok(client_for(Roll.VARDLOTS, region="06"), arende=arende.case_id)
    assert "2027-01-18" not in body
    assert "Vårdgarantin löper ut <strong>2027-03-01</strong>" in body  # the patient region's rule instead


def test_a_planned_date_at_the_end_of_the_calendar_is_no_error(client_for, jonkoping_katarakt):
    response = client_for(Roll.VARDLOTS, region="06").get(
        "/katalog/sok/", {"kva": "CJE", "patientregion": "06", "datum": "9999-12-30"}
    )
    assert response.status_code == 200
