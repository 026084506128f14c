"""The case page's query count in the states that matter, so it cannot creep back (it went 11 → 17 in one day).

Every page pays 4 queries outside the view (session, user, commissions, session save; here 6: the test's outer
transaction wraps the session save in a savepoint and its release), the case, and one insert for its access-log rows
(the case row and, when the response shows identity, the identity row). Panels with no rows cost nothing: the case
query says which have rows (EXISTS), and the postal fallback's two queries run only when an offer could be waiting
for a letter, once for all offers. bench/case_page.py at seed_scale 1 counts without the savepoints: 8–9.
"""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from arenden import services
from arenden.models import Atkomstlogg, Avvikelse, Erbjudande, Resa
from arenden.services import identitet, remisskuvert
from tests.arenden.test_views import _client


@pytest.fixture
def lots_client(lots):
    return _client(lots)


def _hamta(client: Client, a, fragor, hogst: int) -> str:
    with fragor(hogst):
        r = client.get(f"/arenden/{a.case_id}/")
    assert r.status_code == 200
    return r.content.decode()


def test_a_new_case_without_offers(arende_i_steg, lots, lots_client, django_assert_max_num_queries):
    a = arende_i_steg("behov")
    # + offers, history
    _hamta(lots_client, a, django_assert_max_num_queries, 10)
    # Still both access-log rows (PDL), written together.
    rader = Atkomstlogg.objects.filter(case_id=a.case_id).values_list("handling", "hsa_id")
    assert sorted(rader) == [("identitet visa ärende", lots.hsa_id), ("visa ärende", lots.hsa_id)]


def test_a_case_with_offers_and_notes(
    arende_i_steg, lots, lots_client, mottagande_enhet, django_assert_max_num_queries
):
    a = arende_i_steg("hitta_vardgivare")
    for _ in range(4):
        services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet)
    for _ in range(5):
        services.anteckning_skapa(arende=a, anvandare=lots, text="Ringde patienten")
    # + offers, history, notes; nothing per offer or per note
    body = _hamta(lots_client, a, django_assert_max_num_queries, 11)
    assert len(set(re.findall(r'id="(id_svar-svar_\d+_0)"', body))) == 4
    assert body.count("Ringde patienten") == 5


def test_offers_waiting_for_a_letter_add_the_postal_check_once(
    arende_i_steg, lots, lots_client, mottagande_enhet, django_assert_max_num_queries
):
    a = arende_i_steg("hitta_vardgivare")
    for _ in range(3):
        services.erbjudande_lamna(
            arende=a, anvandare=lots, vardenhet=mottagande_enhet, erbjudet_via=Erbjudande.Via.V1177
        )
    Erbjudande.objects.filter(arende=a).update(skapad=timezone.now() - timedelta(days=20))
    # + the region's postal setting and the offers waiting (once, not per offer); the messages sent to the patient
    body = _hamta(lots_client, a, django_assert_max_num_queries, 13)
    assert body.count('<span class="badge badge--warn">Skicka erbjudandet per post</span>') == 3
    # One letter lists every open offer, so "Brev skickat" is offered at the first waiting one only.
    assert body.count('action="/arenden/' + a.case_id + '/atgard/brev_skickat/"') == 1


def test_a_transferred_case_with_its_envelope(arende_i_steg, lots_client, django_assert_max_num_queries):
    a = arende_i_steg("remiss_skickad")
    assert a.overforingar.exclude(kuvert=None).exists()
    # + offers, the transfer, history
    body = _hamta(lots_client, a, django_assert_max_num_queries, 11)
    assert "Väntar på kvittens" in body


def test_the_receiving_unit_sees_the_transferred_case(arende_i_steg, mottagare, django_assert_max_num_queries):
    a = arende_i_steg("remiss_skickad")
    # + its accepted offer, the transfer, history (no identity before it opens the envelope, no notes), and whether
    # its receipt is verified (the confirmation's condition, issue 16: asked for the possible and the waiting actions)
    body = _hamta(_client(mottagare), a, django_assert_max_num_queries, 13)
    assert "Öppna remissen i inkorgen" in body


def test_a_case_with_every_panel_shows_every_panel(
    arende_i_steg, lots, lots_uppdrag, mottagare, mottagare_uppdrag, lots_client, django_assert_max_num_queries
):
    a = arende_i_steg("remiss_skickad")
    services.resa_registrera(
        arende=a, anvandare=lots, uppdrag=lots_uppdrag, fardsatt=Resa.Fardsatt.TAG, bokad_av=Resa.BokadAv.PATIENT
    )
    remisskuvert.kvittera_arende(arende=a, anvandare=mottagare, uppdrag=mottagare_uppdrag)  # the inbox first
    a = services.remiss_bekrafta(arende=a, anvandare=mottagare, uppdrag=mottagare_uppdrag, planerat_datum=date.today())
    services.fakturarad_registrera(
        arende=a, anvandare=mottagare, uppdrag=mottagare_uppdrag, typ="vard", avser="Operation i dagkirurgi",
        datum=date.today(), belopp=9500,
    )  # fmt: skip
    avvikelse = Avvikelse(arende=a, nar=date.today(), rapporterad_av=lots)
    identitet.forsegla_text(avvikelse, "vad", "Provsvar försenat", arende=a)  # sealed, as the form does
    avvikelse.save()
    services.anteckning_skapa(arende=a, anvandare=lots, text="Ringde patienten")
    # Each non-empty panel is one query: + offers, transfer, trip, patient messages, history, notes, invoice lines,
    # deviations.
    body = _hamta(lots_client, a, django_assert_max_num_queries, 16)
    for text in ("Tåg", "Operation i dagkirurgi", "Provsvar försenat", "Ringde patienten", "Meddelanden till"):
        assert text in body
