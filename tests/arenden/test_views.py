"""Pages: case page with actions, access per role (PDL), access log, worklist, registration, offers, letter."""

import re
from datetime import date

import pytest
from django.test import Client

from arenden.models import Arende, Atkomstlogg, Erbjudande, Status
from arenden.services.formedling import KVITTERA_FORST
from tests.factories import make_user
from vardformedling.models import Roll


def _client(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


@pytest.fixture
def lots_client(lots):
    return _client(lots)


def test_case_page_shows_steps_and_sends_no_store(arende_i_steg, lots_client):
    a = arende_i_steg("hitta_vardgivare")
    r = lots_client.get(f"/arenden/{a.case_id}/")
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    body = r.content.decode()
    assert 'aria-current="step"' in body and "Hitta vårdgivare" in body
    assert f"arende={a.case_id}" in body  # the pre-filled search link
    assert a.identitet.personnummer not in r.url if hasattr(r, "url") else True


def test_case_id_without_dashes_redirects_to_canonical(arende_i_steg, lots_client):
    a = arende_i_steg("behov")
    r = lots_client.get(f"/arenden/{a.case_id.replace('-', '')}/")
    assert r.status_code == 302 and r.url == f"/arenden/{a.case_id}/"


def test_navigator_of_other_region_gets_404(arende_i_steg, client_for):
    a = arende_i_steg("behov")
    assert client_for(Roll.VARDLOTS, "06").get(f"/arenden/{a.case_id}/").status_code == 404


def test_administrator_gets_403_and_no_patient_data(arende_i_steg, client_for):
    a = arende_i_steg("behov")
    c = client_for(Roll.ADMINISTRATOR)
    r = c.get(f"/arenden/{a.case_id}/")
    assert r.status_code == 403 and a.identitet.namn.encode() not in r.content
    assert c.get("/arenden/").status_code == 403


def test_receiving_unit_sees_only_cases_sent_to_it(arende_i_steg, mottagare, mottagande_enhet):
    c = _client(mottagare)
    tidig = arende_i_steg("hitta_vardgivare")
    skickad = arende_i_steg("remiss_skickad")
    assert c.get(f"/arenden/{tidig.case_id}/").status_code == 404
    r = c.get(f"/arenden/{skickad.case_id}/")
    assert r.status_code == 200 and KVITTERA_FORST in r.content.decode()  # confirmed after the receipt
    assert "Anteckningar och kontakter" not in r.content.decode()
    lista = c.get("/arenden/").content.decode()
    assert skickad.case_id in lista and tidig.case_id not in lista


def test_other_receiving_unit_gets_404(arende_i_steg, client_for):
    a = arende_i_steg("remiss_skickad")
    assert client_for(Roll.MOTTAGARE).get(f"/arenden/{a.case_id}/").status_code == 404


def test_every_read_writes_an_access_log_row(arende_i_steg, lots, lots_client):
    a = arende_i_steg("behov")
    b = arende_i_steg("behov")
    lots_client.get(f"/arenden/{a.case_id}/")
    row = Atkomstlogg.objects.get(case_id=a.case_id, handling="visa ärende")
    assert row.hsa_id == lots.hsa_id and row.uppdrag and row.ip == "127.0.0.1"
    lots_client.get("/arenden/?flik=region")
    assert set(Atkomstlogg.objects.filter(handling="arbetslista").values_list("case_id", flat=True)) == {
        a.case_id,
        b.case_id,
    }


def test_access_log_cannot_be_changed_or_deleted(arende_i_steg, lots_client):
    from django.core.exceptions import ValidationError
    from django.db import DatabaseError, connection, transaction

    a = arende_i_steg("behov")
    lots_client.get(f"/arenden/{a.case_id}/")
    row = Atkomstlogg.objects.get(case_id=a.case_id, handling="visa ärende")
    row.handling = "ändrad"
    with pytest.raises(ValidationError):
        row.save()
    with pytest.raises(ValidationError):
        row.delete()
    with pytest.raises(ValidationError):
        Atkomstlogg.objects.all().delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE arenden_atkomstlogg SET handling = 'x'")
    assert Atkomstlogg.objects.get(pk=row.pk).handling == "visa ärende"


def test_action_moves_case_and_htmx_gets_fragment(arende_i_steg, lots_client):
    a = arende_i_steg("behov")
    r = lots_client.post(
        f"/arenden/{a.case_id}/atgard/bedom/",
        {"bedom-version": a.version, "bedom-lamplig": "ja", "bedom-motivering": ""},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    assert "<html" not in r.content.decode() and "Bedömningen är sparad" in r.content.decode()
    assert Arende.objects.get(pk=a.pk).status == Status.HITTA_VARDGIVARE


def test_two_stale_submissions_second_gets_changed_message(arende_i_steg, lots_client, client_for):
    a = arende_i_steg("behov")
    other = client_for(Roll.VARDLOTS, "20")
    data = {"bedom-version": a.version, "bedom-lamplig": "ja"}
    assert lots_client.post(f"/arenden/{a.case_id}/atgard/bedom/", data).status_code == 302
    r = other.post(
        f"/arenden/{a.case_id}/atgard/avsluta_tidigt/",
        {"avsluta_tidigt-version": a.version, "avsluta_tidigt-orsak": "behov_upphort"},
    )
    assert r.status_code == 409
    assert "Ärendet har ändrats av någon annan" in r.content.decode()
    assert "Hitta vårdgivare för ärendet" in r.content.decode()  # fresh data shown
    assert Arende.objects.get(pk=a.pk).status == Status.HITTA_VARDGIVARE


def test_receiving_unit_cannot_post_navigator_actions(arende_i_steg, mottagare):
    a = arende_i_steg("remiss_skickad")
    r = _client(mottagare).post(
        f"/arenden/{a.case_id}/atgard/avsluta_tidigt/",
        {"avsluta_tidigt-version": a.version, "avsluta_tidigt-orsak": "annat", "avsluta_tidigt-motivering": "x"},
    )
    assert r.status_code == 403


def test_receiving_unit_confirms_and_performs_via_pages(arende_i_steg, mottagare):
    c = _client(mottagare)
    a = arende_i_steg("remiss_skickad")
    bekrafta = {"bekrafta-version": a.version, "bekrafta-planerat_datum": "2026-12-01"}
    # Issue 16: not before the unit has opened the envelope and its signed receipt is verified.
    sida = c.get(f"/arenden/{a.case_id}/").content.decode()
    assert "Bekräfta remissen</button>" not in sida and KVITTERA_FORST in sida
    r = c.post(f"/arenden/{a.case_id}/atgard/bekrafta/", bekrafta, HTTP_HX_REQUEST="true")
    assert r.status_code == 409 and KVITTERA_FORST in r.content.decode()
    a.refresh_from_db()
    assert a.status == Status.REMISS_SKICKAD
    o = a.overforingar.get()
    assert c.post(f"/arenden/inkorg/{o.pk}/kvittera/", {"kuvert": o.kuvert_sha256}).status_code == 302
    a.refresh_from_db()  # the receipt is in the case's history: a new version
    r = c.post(f"/arenden/{a.case_id}/atgard/bekrafta/", {**bekrafta, "bekrafta-version": a.version})
    assert r.status_code == 302
    a.refresh_from_db()
    c.post(f"/arenden/{a.case_id}/atgard/utford/", {"utford-version": a.version, "utford-utfort_datum": date.today()})
    a.refresh_from_db()
    assert a.status == Status.UTFORD


def test_registration_page_creates_case_and_warns_duplicate(lots_client, registrera):
    data = {
        "personnummer": "19121212-1212",
        "namn": "Tolvan Tolvansson",
        "kontaktvag": "telefon",
        "region": "20",
        "kva": "CJE",
        "beslutsdatum": "2026-01-05",
        "remitterande_hsa": "",
    }
    r = lots_client.post("/arenden/nytt/", data)
    assert r.status_code == 302
    first = Arende.objects.get()
    assert r.url == f"/arenden/{first.case_id}/"
    assert "191212121212" not in r.url
    r = lots_client.post("/arenden/nytt/", data)
    assert r.status_code == 422
    body = r.content.decode()
    assert f"/arenden/{first.case_id}/" in body and "Registrera ändå" in body
    assert lots_client.post("/arenden/nytt/", {**data, "tillat_dubblett": "on"}).status_code == 302
    assert Arende.objects.count() == 2


def test_registration_rejects_bad_personnummer_in_swedish(lots_client):
    r = lots_client.post("/arenden/nytt/", {"personnummer": "19121212-1213", "namn": "X", "region": "20"})
    assert r.status_code == 422 and "kontrollsiffra" in r.content.decode()


def test_offer_page_is_prefilled_from_search_and_records_offer(arende_i_steg, lots_client, mottagande_enhet, avtalsrad):
    a = arende_i_steg("hitta_vardgivare")
    url = f"/arenden/{a.case_id}/erbjudanden/nytt/?vardenhet={mottagande_enhet.hsa_id}&rad={avtalsrad.pk}"
    body = lots_client.get(url).content.decode()
    assert f'value="{mottagande_enhet.hsa_id}"' in body and f'value="{avtalsrad.pk}" selected' in body
    r = lots_client.post(
        f"/arenden/{a.case_id}/erbjudanden/nytt/",
        {
            "version": a.version,
            "vardenhet": mottagande_enhet.hsa_id,
            "avtalsrad": avtalsrad.pk,
            "erbjudet_via": "telefon",
            "svarsfrist": "2099-01-01",
        },
    )
    assert r.status_code == 302
    e = Erbjudande.objects.get(arende=a)
    brev = lots_client.get(f"/arenden/{a.case_id}/erbjudanden/{e.pk}/brev/").content.decode()
    assert "data-print" in brev and 'class="letter' in brev and a.case_id in brev and "sjukresor" in brev


def test_worklist_search_and_filters(arende_i_steg, lots_client):
    a = arende_i_steg("behov")
    b = arende_i_steg("hitta_vardgivare")
    r = lots_client.get("/arenden/", {"flik": "region", "q": a.case_id.replace("-", "")}).content.decode()
    assert a.case_id in r and b.case_id not in r
    wrong = a.case_id[:-1] + str((int(a.case_id[-1]) + 1) % 10)
    r = lots_client.get("/arenden/", {"flik": "region", "q": wrong}).content.decode()
    assert "Kontrollsiffran" in r
    r = lots_client.get("/arenden/", {"flik": "region", "steg": "2"}).content.decode()
    assert b.case_id in r and a.case_id not in r
    masked = a.identitet.personnummer[:8] + "-****"
    assert masked in lots_client.get("/arenden/", {"flik": "region"}).content.decode()


def test_an_empty_my_cases_tab_points_to_the_regions_cases(arende_i_steg, lots_client):
    """Dagny (a coordinator handling no case herself) saw "0 ärenden … Ändra eller ta bort ett filter" on "Mina
    ärenden" with no filter set, while her start page listed the region's cases."""
    a = arende_i_steg("behov")
    koordinator = _client(make_user(Roll.KOORDINATOR, "20"))
    tom = koordinator.get("/arenden/").content.decode()
    assert a.case_id not in tom
    assert 'regionens alla ärenden finns under <a href="?flik=region">Min region</a>' in tom
    region = koordinator.get("/arenden/", {"flik": "region"}).content.decode()
    assert a.case_id in region and "Min region</a>." not in region


def test_worklist_query_count_is_bounded(arende_i_steg, lots_client, django_assert_max_num_queries):
    for _ in range(5):
        arende_i_steg("behov")
    # 13 (11 at seed_scale 1 in bench/worklist.py; here the session save's savepoint and release): session, user,
    # commissions, count, rows, one insert for the access-log rows (case and identity rows together), the regions'
    # settings (≤ 21 rows), one read of the rows' offers for every badge (full line, letter to send, digital answer),
    # the filters' KVÅ groups and handlers, session save.
    with django_assert_max_num_queries(13):
        lots_client.get("/arenden/", {"flik": "region"})


def test_loggkontroll_for_coordinator_only_own_region(arende_i_steg, lots_client, client_for):
    a = arende_i_steg("behov")
    lots_client.get(f"/arenden/{a.case_id}/")
    ko = client_for(Roll.KOORDINATOR, "20")
    body = ko.get("/arenden/logg/", {"q": a.case_id}).content.decode()
    assert "Visade ärendet" in body and ">visa ärende<" not in body
    other = client_for(Roll.KOORDINATOR, "06").get("/arenden/logg/", {"q": a.case_id}).content.decode()
    assert "visa ärende" not in other
    assert lots_client.get("/arenden/logg/").status_code == 403


def test_coordinator_assigns_handler(arende_i_steg, client_for, lots):
    a = arende_i_steg("behov")
    ny = make_user(Roll.VARDLOTS, "20", namn="Ny Lots")
    ko = client_for(Roll.KOORDINATOR, "20")
    r = ko.post(
        f"/arenden/{a.case_id}/atgard/tilldela/", {"tilldela-version": a.version, "tilldela-handlaggare": ny.pk}
    )
    assert r.status_code == 302
    assert Arende.objects.get(pk=a.pk).handlaggare == ny


def test_case_page_query_count_is_bounded(
    arende_i_steg, lots_client, lots, mottagande_enhet, django_assert_max_num_queries
):
    from arenden import services

    a = arende_i_steg("hitta_vardgivare")
    for _ in range(6):
        services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet)
    for _ in range(10):
        services.anteckning_skapa(arende=a, anvandare=lots, text="Ringde patienten")
    with django_assert_max_num_queries(11):  # nothing per offer or note; the states: test_arendesida_fragor.py
        r = lots_client.get(f"/arenden/{a.case_id}/")
    body = r.content.decode()
    ids = re.findall(r'id="(id_svar-svar_\d+_0)"', body)
    assert len(ids) == 6 and len(set(ids)) == 6  # one answer form per open offer, unique ids


def test_invalid_answer_shows_error_at_that_offer(arende_i_steg, lots_client, lots, mottagande_enhet):
    from arenden import services

    a = arende_i_steg("hitta_vardgivare")
    e = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet)
    a.refresh_from_db()
    r = lots_client.post(
        f"/arenden/{a.case_id}/atgard/svar/", {"svar-version": a.version, "svar-svar": "nej", "erbjudande": e.pk}
    )
    assert r.status_code == 422 and "Välj varför patienten tackade nej" in r.content.decode()


@pytest.mark.parametrize("erbjudande", ["abc", "", "²", "9" * 40, "-1"])
@pytest.mark.parametrize("namn", ["svar", "aterkalla"])
def test_an_offer_field_that_is_not_one_of_the_cases_offers_gives_404(arende_i_steg, lots_client, namn, erbjudande):
    a = arende_i_steg("hitta_vardgivare")
    data = {f"{namn}-version": a.version, f"{namn}-svar": "ja", f"{namn}-motivering": "x", "erbjudande": erbjudande}
    assert lots_client.post(f"/arenden/{a.case_id}/atgard/{namn}/", data).status_code == 404


def test_every_response_showing_the_case_writes_an_access_log_row(arende_i_steg, lots, lots_client):
    """Actions and notes answer with the whole case (name, personnummer): each answer is a logged read."""
    a = arende_i_steg("behov")
    url = f"/arenden/{a.case_id}"
    lots_client.post(f"{url}/atgard/bedom/", {"bedom-version": a.version}, HTTP_HX_REQUEST="true")  # invalid: 422
    lots_client.post(
        f"{url}/atgard/bedom/", {"bedom-version": a.version, "bedom-lamplig": "ja"}, HTTP_HX_REQUEST="true"
    )
    lots_client.post(f"{url}/anteckningar/", {"anteckning-text": ""}, HTTP_HX_REQUEST="true")  # invalid: 422
    lots_client.post(
        f"{url}/anteckningar/",
        {"anteckning-typ": "kontakt", "anteckning-text": "Ringt patienten"},
        HTTP_HX_REQUEST="true",
    )
    rows = list(Atkomstlogg.objects.filter(case_id=a.case_id).order_by("pk").values_list("handling", "hsa_id"))
    # Each answer is a page read and a decryption of the patient's identity (issue 16): two rows.
    sidor = [("åtgärd bedom", lots.hsa_id)] * 2 + [("ny anteckning", lots.hsa_id)] * 2
    assert [r for r in rows if not r[0].startswith("identitet ")] == sidor
    assert [r for r in rows if r[0].startswith("identitet ")] == [(f"identitet {h}", u) for h, u in sidor]


def test_case_id_search_finds_closed_case_outside_my_tab(arende_i_steg, lots_client, client_for):
    a = arende_i_steg("avslutad")
    ko = client_for(Roll.KOORDINATOR, "20")  # not the handler, default tab "mina", default status "öppna"
    body = ko.get("/arenden/", {"q": a.case_id}).content.decode()
    assert f"/arenden/{a.case_id}/" in body


def test_worklist_marks_overdue_and_htmx_gets_fragment(registrera, lots_client):
    sen = registrera(beslutsdatum=date(2025, 1, 1))
    r = lots_client.get("/arenden/", {"flik": "mina"}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert "<html" not in body and sen.case_id in body and "Passerad" in body
    assert "no-store" in r["Cache-Control"]
    r = lots_client.get("/arenden/", {"flik": "mina", "forsenade": "1"}).content.decode()
    assert sen.case_id in r
