"""Issue #19 point 6: waiting times matched to the patient's anaesthesia need (NCR) and priority (SPOR) when the
register gives them – the same query, the register's "alla" figure when the matching one is missing or "<5", and
"Varför här?" says which figure it rests on."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from arenden.api import prioritet
from katalog.models import KvaGrupp, Vardenhet
from lagesbild import api as lagesbild_api
from lagesbild.importers import importera_fil
from sok.search import Referens, Sokparametrar, sok, vantetidsurval
from tests.factories import VardenhetFactory, VardutbudFactory
from tests.lagesbild.helpers import NCR_HEADER, ncr_rows, write
from tests.sok.helpers import Fakes, vantetid

pytestmark = pytest.mark.django_db


def test_the_register_figure_for_general_anaesthesia_is_used_when_given_and_not_suppressed(tmp_path):
    datum = str(date.today() - timedelta(days=1))
    importera_fil(write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows(datum)), startad_av="test")
    sundsvall, uppsala = (Vardenhet.objects.get(hsa_id=h).pk for h in ("SE2321000206-OGON01", "SE5560000001-OGON02"))
    alla = lagesbild_api.vantetider_for_enheter(kva_kod="CJE")
    assert (alla[sundsvall].median_dagar, alla[sundsvall].urval) == (164, "alla")
    narkos = lagesbild_api.vantetider_for_enheter(kva_kod="CJE", urval="narkos")
    assert (narkos[sundsvall].median_dagar, narkos[sundsvall].antal, narkos[sundsvall].urval) == (201, 7, "narkos")
    assert (narkos[uppsala].median_dagar, narkos[uppsala].urval) == (34, "alla")  # "<5" under narkos: all patients


def test_a_case_priority_follows_the_registers_groups():
    beslut = date(2026, 1, 1)
    assert [prioritet(beslut, beslut + timedelta(days=d)) for d in (10, 14, 20, 60, 150, 200)] == [
        "inom_2v", "inom_2v", "inom_4v", "inom_3m", "inom_6m", "over_6m",
    ]  # fmt: skip
    assert prioritet(beslut, None) is None


def test_the_search_asks_for_the_patients_figure_and_why_here_names_it(monkeypatch):
    fakes = Fakes(monkeypatch)
    a = VardutbudFactory(vardenhet=VardenhetFactory(namn="A", lat=60.0, lon=15.0), max_asa=3, narkos=True)
    fakes.vantetider = {a.vardenhet_id: replace(vantetid(201), urval="narkos")}
    cje, ngb = KvaGrupp.objects.get(kod="CJE"), KvaGrupp.objects.get(kod="NGB")
    params = Sokparametrar(kva=cje, asa=3, narkos=True, referens=Referens(60.0, 15.0, "test"))
    (traff,) = sok(params).traffar
    assert fakes.calls["urval"] == ["narkos"]
    forklaring = next(d for d in traff.delar if d.nyckel == "vantetid").forklaring
    assert forklaring == "median 201\u00a0dagar (operation i narkos)"
    assert vantetidsurval(Sokparametrar(kva=cje)) is None
    assert vantetidsurval(Sokparametrar(kva=ngb, prioritet="inom_3m")) == "inom_3m"
    assert vantetidsurval(Sokparametrar(kva=ngb, narkos=True)) is None  # SPOR has no anaesthesia selection
