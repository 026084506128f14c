"""A register whose latest delivery is too old is flagged on every page that shows its figures – Hitta
vårdgivare and the catalogue's unit page too – and only there: a cataract page does not warn about SPOR."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from katalog.models import KvaGrupp
from lagesbild.importers import importera_fil
from tests.factories import VardenhetFactory, VardutbudFactory
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, ncr_rows, spor_rows, write
from vardformedling.models import Region, Roll

pytestmark = pytest.mark.django_db

OGON = "SE5560000001-OGON02"  # NCR CJE, Uppsala
MALMO = "SE5563334440-OGON02"  # NCR CJE "<5", Skåne
FALU = "SE2321000180-FALU01"  # SPOR NGB, Dalarna


@pytest.fixture
def katalog():
    for hsa, region, kva in ((OGON, "03", "CJE"), (MALMO, "12", "CJE"), (FALU, "20", "NGB")):
        enhet = VardenhetFactory(hsa_id=hsa, region=Region.objects.get(kod=region), lat=59.8, lon=17.6)
        VardutbudFactory(vardenhet=enhet, kva=KvaGrupp.objects.get(kod=kva))


def _leverera(tmp_path, *, ncr_dagar: int, spor_dagar: int):
    idag = timezone.localdate()
    ncr = str(idag - timedelta(days=ncr_dagar))
    rows = [*ncr_rows(ncr), f"{ncr};12;{MALMO};Synkliniken Malmö;CJE;90d;alla;<5;;;"]
    importera_fil(write(tmp_path, "ncr.csv", NCR_HEADER, rows), startad_av="x")
    importera_fil(
        write(tmp_path, "spor.csv", SPOR_HEADER, spor_rows(str(idag - timedelta(days=spor_dagar)))), startad_av="x"
    )
    return idag - timedelta(days=ncr_dagar), idag - timedelta(days=spor_dagar)


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()).replace("\xa0", " "))


def test_hitta_vardgivare_warns_about_the_stale_register_of_the_group_searched(client_for, katalog, tmp_path):
    ncr, _spor = _leverera(tmp_path, ncr_dagar=5, spor_dagar=1)
    lots = client_for(Roll.VARDLOTS)
    varning = f"NCR: senaste leverans {ncr:%Y-%m-%d} (5 dagar sedan) – uppgifterna kan vara inaktuella."
    for response in (lots.get("/katalog/sok/?kva=CJE"), lots.get("/katalog/sok/?kva=CJE", HTTP_HX_REQUEST="true")):
        text = _text(response)
        assert varning in text
        assert "SPOR: senaste leverans" not in text
    assert "inaktuella" not in _text(lots.get("/katalog/sok/?kva=NGB"))  # SPOR figures, and SPOR is fresh


def test_the_catalogue_unit_page_warns_only_when_its_figures_come_from_a_stale_register(client_for, katalog, tmp_path):
    ncr, _spor = _leverera(tmp_path, ncr_dagar=5, spor_dagar=1)
    lots = client_for(Roll.VARDLOTS)
    assert f"NCR: senaste leverans {ncr:%Y-%m-%d} (5 dagar sedan)" in _text(lots.get(f"/katalog/enheter/{OGON}/"))
    assert "inaktuella" not in _text(lots.get(f"/katalog/enheter/{FALU}/"))


def test_the_lagesbild_unit_page_warns_only_about_the_registers_it_shows(client_for, katalog, tmp_path):
    _ncr, spor = _leverera(tmp_path, ncr_dagar=1, spor_dagar=6)
    lots = client_for(Roll.VARDLOTS)
    assert "inaktuella" not in _text(lots.get(f"/lagesbild/enheter/{OGON}/"))  # NCR only, and NCR is fresh
    assert f"SPOR: senaste leverans {spor:%Y-%m-%d} (6 dagar sedan)" in _text(lots.get(f"/lagesbild/enheter/{FALU}/"))


def test_a_suppressed_waiting_time_names_source_and_date_like_the_others(client_for, katalog, tmp_path):
    ncr, _spor = _leverera(tmp_path, ncr_dagar=1, spor_dagar=1)
    lots = client_for(Roll.VARDLOTS)
    vantar = f"färre än 5 (källa NCR, data t.o.m. {ncr:%Y-%m-%d})"
    assert vantar in _text(lots.get("/katalog/sok/?kva=CJE"))  # built in sok/sok_html.py
    assert vantar in _text(lots.get(f"/katalog/enheter/{MALMO}/"))  # templates/sok/_vantetid.html
    assert f"(källa NCR, data t.o.m. {ncr:%Y-%m-%d})" in _text(lots.get(f"/katalog/enheter/{OGON}/"))
