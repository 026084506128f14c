"""What a receiving unit is shown of a case (issue 22 finding 6, issue 14 point 12) and how the access-log review
records a search (issue 22): the unit sees its own accepted offer and the history from the patient's yes on – not
other units' offers, withdrawn offers or the patient's reasons – while the home region sees everything."""

from datetime import date

import pytest
from django.test import Client

from arenden import services
from arenden.models import Atkomstlogg
from arenden.services import remisskuvert
from tests.factories import VardenhetFactory, make_user
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db

ANNAN = "Ögonkliniken Stockholm"
SKAL = "Rädd för att resa så långt, vill inte flyga"
ATERKALLAD = "Fel datum i första erbjudandet, internt"


def _klient(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


@pytest.fixture
def arende_med_tidigare_rundor(registrera, lots, lots_uppdrag, mottagande_enhet, mottagare_uppdrag, avtalsrad):
    """A case offered to another unit (patient said no: Hälsoskäl + free text), then to the receiving unit
    (withdrawn with an internal reason), then to it again (accepted), referred and confirmed."""
    annan = VardenhetFactory(namn=ANNAN)
    a = registrera()
    a = services.arende_bedom(arende=a, anvandare=lots, uppdrag=lots_uppdrag, lamplig=True, motivering="Bedömd ok")
    e = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=annan)
    services.erbjudande_besvara(erbjudande=e, anvandare=lots, svar=False, avbojt_orsak="halsoskal", fritext=SKAL)
    e = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet, avtalsrad=avtalsrad)
    services.erbjudande_aterkalla(erbjudande=e, anvandare=lots, motivering=ATERKALLAD)
    e = services.erbjudande_lamna(
        arende=a, anvandare=lots, vardenhet=mottagande_enhet, avtalsrad=avtalsrad, forvantat_datum=date.today()
    )
    services.erbjudande_besvara(erbjudande=e, anvandare=lots, svar=True)
    services.arende_overfor(arende=a, anvandare=lots, uppdrag=lots_uppdrag, dokument=["remiss"])
    remisskuvert.kvittera_arende(arende=a, anvandare=mottagare_uppdrag.user, uppdrag=mottagare_uppdrag)
    return services.remiss_bekrafta(
        arende=a, anvandare=mottagare_uppdrag.user, uppdrag=mottagare_uppdrag, planerat_datum=date.today()
    )


def test_the_receiving_unit_sees_only_its_accepted_offer_and_the_history_from_the_patient_s_yes(
    arende_med_tidigare_rundor, mottagare, lots
):
    a = arende_med_tidigare_rundor
    body = _klient(mottagare).get(f"/arenden/{a.case_id}/").content.decode()
    assert "Patienten tackade ja till Testkliniken Uppsala" in body
    assert "Remiss bekräftad" in body or "bekräftad" in body
    for hemligt in (ANNAN, "Hälsoskäl", SKAL, ATERKALLAD, "återkallades", "Återkallat", "Bedömd ok", "tackade nej"):
        assert hemligt not in body, hemligt
    # The home region's navigator sees every round.
    body = _klient(lots).get(f"/arenden/{a.case_id}/").content.decode()
    for allt in (ANNAN, "Hälsoskäl", SKAL, ATERKALLAD, "återkallades"):
        assert allt in body, allt


def test_the_history_filter_is_a_queryset_method_that_leaves_nothing_before_an_acceptance(arende_i_steg):
    a = arende_i_steg("hitta_vardgivare")
    assert a.handelser.count() == 2 and not a.handelser.for_mottagande_enhet().exists()
    b = arende_i_steg("bekraftad")
    texts = list(b.handelser.for_mottagande_enhet().values_list("handelse", flat=True))
    assert texts[0].startswith("Patienten tackade ja till") and len(texts) == 4
    assert "signerad kvittens verifierad" in texts[2]  # the unit's receipt, before its confirmation


def test_a_search_in_the_log_review_is_recorded_as_a_search_term_not_as_an_access_to_that_case(arende_i_steg):
    # The attack: the coordinator's typed text (another region's case ID) was written as an access to that case.
    annan = arende_i_steg("behov")  # region 20's case, searched for by region 06's coordinator
    koordinator06 = make_user(Roll.KOORDINATOR, "06", hsa_id="SE2321000057-KO09")
    client = _klient(koordinator06)
    assert client.get("/arenden/logg/", {"q": annan.case_id}).status_code == 200
    rad = Atkomstlogg.objects.get(hsa_id="SE2321000057-KO09")
    assert (rad.case_id, rad.region_kod, rad.sokterm) == ("", "06", annan.case_id)
    assert rad.handling == "loggkontroll, sökning"
    assert not Atkomstlogg.objects.filter(case_id=annan.case_id, hsa_id="SE2321000057-KO09").exists()
    # Region 20's review of that case shows no access by region 06; region 06's own review shows the search.
    koordinator20 = _klient(make_user(Roll.KOORDINATOR, "20"))
    assert "SE2321000057-KO09" not in koordinator20.get("/arenden/logg/", {"q": annan.case_id}).content.decode()
    page = client.get("/arenden/logg/").content.decode()
    assert f"Loggkontroll, sökte ”{annan.case_id}”" in page
