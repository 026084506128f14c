"""Issue #19 point 6: when otherwise equal, the patient's own region's agreements come first (a region lists its own
agreements before other regions'), and "Varför här?" says so."""

from datetime import date

import pytest

from katalog.models import KvaGrupp
from sok.search import Referens, Sokparametrar, basta_rad, sok
from tests.factories import VardenhetFactory, VardutbudFactory
from tests.sok.helpers import Fakes, rad, vantetid

pytestmark = pytest.mark.django_db


def test_own_region_first_when_scores_are_equal(monkeypatch):
    fakes = Fakes(monkeypatch)
    for namn, agare, rad_id in (("A annan regions avtal", "01", 1), ("B eget avtal", "20", 2)):
        vu = VardutbudFactory(
            vardenhet=VardenhetFactory(namn=namn, lat=60.0, lon=15.0), kva=KvaGrupp.objects.get(kod="CJE")
        )
        fakes.vantetider[vu.vardenhet_id] = vantetid(60)
        fakes.rader[vu.vardenhet_id] = [rad(rad_id, "12000", agare=agare)]
    p = Sokparametrar(kva=KvaGrupp.objects.get(kod="CJE"), patientregion="20", referens=Referens(60.0, 15.0, "t"),
                      datum=date(2026, 12, 1))  # fmt: skip
    res = sok(p)
    assert [t.namn for t in res.traffar] == ["B eget avtal", "A annan regions avtal"]  # by name A would be first
    assert res.traffar[0].poang == res.traffar[1].poang
    avtal = {d.nyckel: d for d in res.traffar[0].delar}["avtal"]
    assert (
        avtal.forklaring
        == "användbart avtal med volym kvar – patientens egen regions avtal, visas först vid lika poäng"
    )
    assert {d.nyckel: d for d in res.traffar[1].delar}["avtal"].forklaring == "användbart avtal med volym kvar"


def test_a_better_score_still_wins_over_own_region(monkeypatch):
    fakes = Fakes(monkeypatch)
    for namn, agare, pris in (("Annan, billigare", "01", "10000"), ("Egen, dyrare", "20", "14000")):
        vu = VardutbudFactory(
            vardenhet=VardenhetFactory(namn=namn, lat=60.0, lon=15.0), kva=KvaGrupp.objects.get(kod="CJE")
        )
        fakes.vantetider[vu.vardenhet_id] = vantetid(60)
        fakes.rader[vu.vardenhet_id] = [rad(hash(namn) % 1000, pris, agare=agare)]
    p = Sokparametrar(kva=KvaGrupp.objects.get(kod="CJE"), patientregion="20", referens=Referens(60.0, 15.0, "t"),
                      datum=date(2026, 12, 1))  # fmt: skip
    assert [t.namn for t in sok(p).traffar] == ["Annan, billigare", "Egen, dyrare"]


def test_best_line_of_a_unit_prefers_own_region_at_the_same_price():
    annan, egen = rad(1, "12000", agare="01"), rad(2, "12000", agare="20")
    assert basta_rad([annan, egen], "20") is egen
    assert basta_rad([annan, egen], None) is annan
    assert basta_rad([rad(3, "11000", agare="01"), egen], "20").rad_id == 3
