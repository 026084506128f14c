"""The case-action registry (arenden/atgarder.py): legal states follow the FSM, and one entry is all a new action
needs to be offered on the case page and dispatched by its endpoint."""

import re
from pathlib import Path

import pytest
from django import forms
from django.test import Client

from arenden.atgarder import ATGARDER, Atgard
from arenden.forms import VersionForm
from arenden.models import OPPNA, Arende, Erbjudande, Status
from tests.factories import make_user
from vardformedling.models import Roll

ROOT = Path(__file__).resolve().parents[2]
MED_OVERGANG = [a for a in ATGARDER.values() if a.overgang is not None]
UTAN_OVERGANG = [a for a in ATGARDER.values() if a.overgang is None]


def sources(transition_name: str) -> set[str]:
    """The sources django-fsm-2 lists for the transition (its public API, not the registry's helper)."""
    return {t.source for t in Arende().get_all_status_transitions() if t.name == transition_name}


@pytest.mark.parametrize("atgard", MED_OVERGANG, ids=lambda a: a.namn)
def test_an_action_that_performs_a_transition_is_legal_exactly_in_the_transitions_sources(atgard):
    kallor = sources(atgard.overgang.__name__)
    assert kallor, f"{atgard.namn}: {atgard.overgang.__name__} is not a transition of Arende.status"
    assert atgard.statusar == kallor
    # Where the transition's condition is not met yet (an unsaved case has no receipt), the action waits.
    assert {s for s in Status.values if atgard.mojlig(Arende(status=s)) or atgard.vantar(Arende(status=s))} == kallor


@pytest.mark.parametrize("atgard", UTAN_OVERGANG, ids=lambda a: a.namn)
def test_an_action_without_a_transition_is_legal_exactly_in_its_own_open_states(atgard):
    assert atgard.statusar and atgard.statusar <= set(OPPNA)
    assert {s for s in Status.values if atgard.mojlig(Arende(status=s))} == atgard.statusar


@pytest.mark.django_db
def test_confirming_waits_for_the_receiving_unit_s_verified_receipt(arende_i_steg, mottagare, mottagare_uppdrag):
    """Issue 16: the referral is confirmed only after the unit opened its envelope and its receipt verified."""
    from arenden.services import remisskuvert

    a = arende_i_steg("remiss_skickad")
    bekrafta = ATGARDER["bekrafta"]
    assert not bekrafta.mojlig(a) and bekrafta.vantar(a)
    remisskuvert.kvittera_arende(arende=a, anvandare=mottagare, uppdrag=mottagare_uppdrag)
    assert bekrafta.mojlig(a) and not bekrafta.vantar(a)


def test_the_registry_names_the_transitions_of_todays_actions():
    """The actions that move the case name the transition their service performs (by method, not by string)."""
    overgangar = {a.namn: a.overgang.__name__ for a in MED_OVERGANG}
    assert overgangar == {
        "bedom": "bedom_lamplig",
        "overfor": "overfor",
        "bekrafta": "bekrafta",
        "utford": "utfor",
        "aterremittera": "aterremittera",
        "avsluta": "avsluta",
        "avsluta_tidigt": "avsluta_tidigt",
        "svar": "acceptera",
    }


def test_an_entry_names_either_a_transition_or_its_states():
    common = {
        "namn": "x",
        "formular": VersionForm,
        "behorighet": "arenden.registrera",
        "tjanst": print,
        "lyckades": "x",
        "etikett": "x",
        "knapp": "x",
        "rubrik": "x",
    }
    with pytest.raises(ValueError, match="either"):
        Atgard(**common)
    with pytest.raises(ValueError, match="either"):
        Atgard(**common, overgang=Arende.avsluta, tillstand=(Status.UPPFOLJNING,))


@pytest.mark.parametrize("path", ["templates/arenden/arende.html", "templates/arenden/_atgard.html"])
def test_no_action_is_named_outside_the_registry(path):
    """The page and the view read the registry: no action name, form or success message is written there again."""
    text = (ROOT / path).read_text(encoding="utf-8") + (ROOT / "arenden/views/arende.py").read_text(encoding="utf-8")
    for atgard in ATGARDER.values():
        assert not re.search(rf"[\"']{atgard.namn}[\"']", text), atgard.namn
        assert atgard.lyckades not in text and atgard.knapp not in text, atgard.namn
        assert atgard.formular.__name__ not in text, atgard.namn


# --- A new action: one registry entry -------------------------------------------------------------------------


class NotisForm(VersionForm):
    notis = forms.CharField(label="Notis till hemregionen", max_length=50)


class PaminnForm(VersionForm):
    kanal = forms.ChoiceField(label="Påminn via", choices=[("sms", "SMS"), ("brev", "Brev")])


@pytest.fixture
def anrop():
    return []


@pytest.fixture
def notis(monkeypatch, anrop):
    """A coordinator-only case action, legal wherever a case can be ended early (an FSM transition's sources)."""

    def notis_skicka(*, arende, anvandare, uppdrag, version, notis):
        anrop.append(("notis", arende.pk, anvandare.pk, uppdrag.pk, version, notis))

    atgard = Atgard(
        namn="notis",
        formular=NotisForm,
        behorighet="arenden.tilldela",
        tjanst=notis_skicka,
        overgang=Arende.avsluta_tidigt,
        lyckades="Notisen är skickad.",
        rubrik="Notis",
        etikett="Skicka notis",
        knapp="Skicka notisen",
    )
    monkeypatch.setitem(ATGARDER, atgard.namn, atgard)
    return atgard


@pytest.fixture
def paminn(monkeypatch, anrop):
    """A navigator action on each unanswered offer."""

    def erbjudande_paminn(*, erbjudande, anvandare, uppdrag, version, kanal):
        anrop.append(("paminn", erbjudande.pk, version, kanal))

    atgard = Atgard(
        namn="paminn",
        formular=PaminnForm,
        behorighet="arenden.registrera",
        tjanst=erbjudande_paminn,
        tillstand=(Status.HITTA_VARDGIVARE,),
        erbjudande=lambda _arende, e: e.status == Erbjudande.Status.LAMNAT,
        lyckades="Påminnelsen är skickad.",
        hopfalld="Påminn patienten",
        etikett="Påminnelse",
        knapp="Skicka påminnelse",
    )
    monkeypatch.setitem(ATGARDER, atgard.namn, atgard)
    return atgard


def _client(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


@pytest.fixture
def koordinator(db):
    return _client(make_user(Roll.KOORDINATOR, "20", namn="Test Koordinator"))


@pytest.fixture
def lots_client(lots):
    return _client(lots)


def test_a_new_case_action_is_shown_and_dispatched_from_its_registry_entry_alone(
    notis, anrop, arende_i_steg, koordinator, lots_client
):
    a = arende_i_steg("bekraftad")
    url = f"/arenden/{a.case_id}/atgard/notis/"
    page = koordinator.get(f"/arenden/{a.case_id}/").content.decode()
    assert "<h3>Notis</h3>" in page
    assert f'<form method="post" action="{url}" hx-post="{url}"' in page and 'aria-label="Skicka notis"' in page
    assert 'name="notis-notis"' in page and '<label for="id_notis-notis">Notis till hemregionen' in page
    assert f'name="notis-version" value="{a.version}"' in page and "Skicka notisen</button>" in page

    r = koordinator.post(url, {"notis-version": a.version, "notis-notis": ""})
    assert r.status_code == 422 and "Detta fält måste fyllas i." in r.content.decode() and anrop == []

    r = koordinator.post(url, {"notis-version": a.version, "notis-notis": "Planerat"}, follow=True)
    assert r.redirect_chain == [(f"/arenden/{a.case_id}/", 302)]
    assert "Notisen är skickad." in r.content.decode()
    (namn, pk, _anvandare, _uppdrag, version, text) = anrop[0]
    assert (namn, pk, version, text) == ("notis", a.pk, a.version, "Planerat")

    r = koordinator.post(url, {"notis-version": a.version, "notis-notis": "Igen"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "<html" not in r.content.decode() and "Notisen är skickad." in r.content.decode()

    # Its permission: a navigator neither sees it nor may post it.
    assert "<h3>Notis</h3>" not in lots_client.get(f"/arenden/{a.case_id}/").content.decode()
    assert lots_client.post(url, {"notis-version": a.version, "notis-notis": "x"}).status_code == 403
    assert len(anrop) == 2


def test_a_new_case_action_is_refused_where_its_transition_cannot_proceed(notis, anrop, arende_i_steg, koordinator):
    a = arende_i_steg("avslutad")
    assert "<h3>Notis</h3>" not in koordinator.get(f"/arenden/{a.case_id}/").content.decode()
    r = koordinator.post(f"/arenden/{a.case_id}/atgard/notis/", {"notis-version": a.version, "notis-notis": "x"})
    assert r.status_code == 409 and "status ”Avslutat”" in r.content.decode()
    assert anrop == []


def test_a_new_offer_action_is_shown_at_each_offer_it_applies_to_and_gets_that_offer(
    paminn, anrop, arende_i_steg, lots, lots_client, mottagande_enhet
):
    from arenden import services

    a = arende_i_steg("hitta_vardgivare")
    oppet = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet)
    avbojt = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet)
    services.erbjudande_besvara(erbjudande=avbojt, anvandare=lots, svar=False, avbojt_orsak="annat")
    a.refresh_from_db()
    page = lots_client.get(f"/arenden/{a.case_id}/").content.decode()
    assert page.count("<summary>Påminn patienten</summary>") == 1
    assert f'id="id_paminn-kanal_{oppet.pk}"' in page and f'id="id_paminn-kanal_{avbojt.pk}"' not in page

    url = f"/arenden/{a.case_id}/atgard/paminn/"
    r = lots_client.post(url, {"paminn-version": a.version, "paminn-kanal": "sms", "erbjudande": avbojt.pk})
    assert r.status_code == 409 and "Erbjudandet är redan avböjt." in r.content.decode()
    assert lots_client.post(url, {"paminn-version": a.version, "paminn-kanal": "sms"}).status_code == 404
    r = lots_client.post(url, {"paminn-version": a.version, "paminn-kanal": "fax", "erbjudande": oppet.pk})
    assert r.status_code == 422
    assert re.search(r"<details open><summary>Påminn patienten</summary>", r.content.decode())
    r = lots_client.post(url, {"paminn-version": a.version, "paminn-kanal": "brev", "erbjudande": oppet.pk})
    assert r.status_code == 302
    assert anrop == [("paminn", oppet.pk, a.version, "brev")]
