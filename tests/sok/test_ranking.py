"""A worked example of the Förslag score: three units that can take the patient, two that cannot."""

import pytest

from katalog.models import KvaGrupp
from sok.search import Referens, Sokparametrar, sok
from tests.factories import VardenhetFactory, VardutbudFactory
from tests.sok.helpers import Fakes, rad, vantetid

pytestmark = pytest.mark.django_db


@pytest.fixture
def exempel(monkeypatch):
    fakes = Fakes(monkeypatch)
    # The reference point is (60.0, 15.0); one degree of latitude ≈ 111.195 km.
    a = VardutbudFactory(vardenhet=VardenhetFactory(namn="A nära", lat=60.0, lon=15.0), max_asa=3, narkos=True)
    b = VardutbudFactory(vardenhet=VardenhetFactory(namn="B kort kö", lat=61.0, lon=15.0), max_asa=4, narkos=True)
    c = VardutbudFactory(vardenhet=VardenhetFactory(namn="C tak nått", lat=62.0, lon=15.0), max_asa=3, narkos=True)
    d = VardutbudFactory(vardenhet=VardenhetFactory(namn="D ASA 2", lat=60.0, lon=15.0), max_asa=2, narkos=True)
    VardutbudFactory(vardenhet=VardenhetFactory(namn="E inaktiv", aktiv=False), max_asa=4, narkos=True)
    fakes.vantetider = {a.vardenhet_id: vantetid(100), b.vardenhet_id: vantetid(30), d.vardenhet_id: vantetid(5)}
    fakes.rader = {
        a.vardenhet_id: [rad(1, 20000, kvar=5, takvolym=50)],
        b.vardenhet_id: [rad(2, 30000)],
        c.vardenhet_id: [rad(3, 10000, kvar=0, takvolym=10)],
    }
    params = Sokparametrar(
        kva=KvaGrupp.objects.get(kod="CJE"),
        asa=3,
        narkos=True,
        patientregion="20",
        referens=Referens(60.0, 15.0, "test"),
    )
    return fakes, params


def delar(traff):
    return {d.nyckel: round(d.poang, 1) for d in traff.delar}


def test_the_worked_example_gives_the_expected_order_and_part_scores(exempel):
    _fakes, params = exempel
    res = sok(params)

    assert [t.namn for t in res.traffar] == ["A nära", "B kort kö", "C tak nått"]
    a, b, c = res.traffar
    # A: wait 100 d → 72.6; here → 100; cheapest usable price → 100; agreement with volume → 100
    assert delar(a) == {
        "vantetid": 72.6,
        "avstand": 100.0,
        "pris": 100.0,
        "avtal": 100.0,
        "formaga": 100.0,
        "kvalitet": 0.0,
    }
    assert a.poang == 89.0  # (4·72.6 + 2·100 + 1·100 + 2·100 + 1·100) / 10
    # B: wait 30 d → 91.8; 111 km → 88.9; most expensive → 0; no cap → 100
    assert delar(b) == {
        "vantetid": 91.8,
        "avstand": 88.9,
        "pris": 0.0,
        "avtal": 100.0,
        "formaga": 100.0,
        "kvalitet": 0.0,
    }
    assert b.poang == 84.5
    # C: no waiting figure → 0; 222 km → 77.8; its only line has reached the cap → no price, no agreement
    assert delar(c) == {"vantetid": 0.0, "avstand": 77.8, "pris": 0.0, "avtal": 0.0, "formaga": 100.0, "kvalitet": 0.0}
    assert c.poang == 25.6
    assert next(d for d in c.delar if d.nyckel == "avtal").forklaring == "takvolym nådd"
    assert next(d for d in c.delar if d.nyckel == "vantetid").forklaring.startswith("uppgift saknas")


def test_the_quality_measure_is_a_sixth_weighted_part_when_present_and_saknas_when_not(exempel):
    """Issue #19 point 6: reoperations within two years – 2 % gives 80 points (0 % → 100, 10 % or more → 0) at weight
    1; a unit without the measure is scored on the other five parts and "Varför här?" says "saknas"."""
    from katalog.models import Vardutbud

    _fakes, params = exempel
    Vardutbud.objects.filter(vardenhet__namn="B kort kö").update(reoperation_andel="2.0")
    Vardutbud.objects.filter(vardenhet__namn="C tak nått").update(reoperation_andel="12.5")
    a, b, c = sok(params).traffar
    assert delar(b)["kvalitet"] == 80.0 and delar(c)["kvalitet"] == 0.0
    assert b.poang == 84.1  # (4·91.8 + 2·88.9 + 1·0 + 2·100 + 1·100 + 1·80) / 11
    assert c.poang == 23.2  # (4·0 + 2·77.8 + 0 + 0 + 1·100 + 1·0) / 11
    assert a.poang == 89.0  # unchanged: the missing part weighs nothing
    kvalitet = {t.namn: next(d for d in t.delar if d.nyckel == "kvalitet") for t in (a, b)}
    assert (kvalitet["A nära"].vikt, kvalitet["A nära"].forklaring) == (0, "saknas – räknas inte in i poängen")
    assert (kvalitet["B kort kö"].vikt, kvalitet["B kort kö"].forklaring) == (1, "2,0\u00a0% opererades om inom två år")
    Vardutbud.objects.filter(vardenhet__namn="A nära").update(reoperation_andel="9.0")  # 10 points
    params.vikter = {**params.vikter, "kvalitet": 10}
    assert [t.namn for t in sok(params).traffar] == ["B kort kö", "A nära", "C tak nått"]


def test_excluded_units_are_counted_by_reason(exempel):
    _fakes, params = exempel
    res = sok(params)
    assert res.antal_uteslutna == 2
    assert sorted(res.uteslutna_text) == ["1 tar inte emot ASA 3", "1 är inaktiva"]


def test_weights_change_the_order(exempel):
    _fakes, params = exempel
    params.vikter = {"vantetid": 10, "avstand": 0, "pris": 0, "avtal": 0, "formaga": 0}
    res = sok(params)
    assert [t.namn for t in res.traffar] == ["B kort kö", "A nära", "C tak nått"]
    assert res.traffar[0].poang == 91.8


def test_only_units_with_usable_agreement_and_volume_left(exempel):
    _fakes, params = exempel
    params.med_avtal = True
    res = sok(params)
    assert [t.namn for t in res.traffar] == ["A nära", "B kort kö"]
    assert "1 saknar användbart avtal med volym kvar" in res.uteslutna_text


def test_each_interface_is_called_once_per_search(exempel):
    fakes, params = exempel
    sok(params)
    assert len(fakes.calls["vantetider"]) == 1 and len(fakes.calls["rader"]) == 1
    assert fakes.calls["rader"][0][:2] == ("CJE", "20")


def test_max_wait_and_distance_exclude_with_reasons(exempel):
    _fakes, params = exempel
    params.max_vantetid = 60
    params.max_avstand = 150
    res = sok(params)
    assert [t.namn for t in res.traffar] == ["B kort kö"]
    assert "1 har längre medianväntetid än 60 dagar eller saknar uppgift" in res.uteslutna_text


def test_a_unit_that_takes_only_its_own_region_is_excluded_for_other_regions(exempel):
    _fakes, params = exempel
    enhet = VardenhetFactory(namn="F egen region")  # region 03, the patient is from 20
    VardutbudFactory(vardenhet=enhet, tar_emot_andra_regioner=False)
    res = sok(params)
    assert "1 tar inte emot patienter från andra regioner" in res.uteslutna_text
