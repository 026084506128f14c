"""The patient's pages: sign-in (stub and OIDC mapping), only one's own cases, the answer reaches the case, the
request for contact, and the access log."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from arenden.models import Arende, ArendeHandelse, Atkomstlogg, Erbjudande, Kalla, Status
from patient import inloggning
from tests.patient.conftest import TIO, TOLVAN, patientklient

pytestmark = pytest.mark.django_db


def test_the_stub_lists_the_demo_patients_by_name_and_signs_one_in(varld):
    client = Client()
    page = client.get("/patient/logga-in/", secure=True).content.decode()
    assert "Tolvan Tolvansson" in page and "Tio Tiosson" in page
    assert TOLVAN.personnummer not in page and "19121212" not in page
    response = client.post("/patient/logga-in/", {"patient": "tolvan"}, secure=True)
    assert response.status_code == 302 and response["Location"] == "/patient/"
    assert varld.arende.case_id in client.get("/patient/", secure=True).content.decode()


def test_an_unknown_patient_is_refused_and_nobody_is_signed_in(varld):
    client = Client()
    response = client.post("/patient/logga-in/", {"patient": "191212121212"}, secure=True)
    assert response.status_code == 400
    assert "Inloggningen misslyckades" in response.content.decode()
    assert client.get("/patient/", secure=True).status_code == 302


def test_the_stub_is_refused_where_the_siths_stub_is(varld, settings):
    settings.DEBUG = False
    settings.SITHS_STUB_ALLOWED = False
    client = Client()
    page = client.get("/patient/logga-in/", secure=True).content.decode()
    assert "Tolvan" not in page
    assert client.post("/patient/logga-in/", {"patient": "tolvan"}, secure=True).status_code == 400
    assert client.get("/patient/", secure=True).status_code == 302


def test_a_seed_scale_patient_signs_in_by_number_in_the_series_and_sees_only_their_case(varld, settings):
    """The load test's patients (seed_scale's bulk, `skalnummer`): signed in by the stub with `skala-<nr>`, never the
    personnummer, and only where the stub is allowed; they see their own case and nobody else's."""
    from tests.patient.conftest import _case
    from vardformedling.personnummer import skalnummer

    egen = _case(varld.lots, varld.uppdrag, inloggning.DemoPatient("", "Skalpatient 7", skalnummer(7)))
    page = patientklient("skala-7").get("/patient/", secure=True).content.decode()
    assert egen.case_id in page and varld.arende.case_id not in page
    assert egen.case_id not in patientklient("skala-8").get("/patient/", secure=True).content.decode()
    for fel in ("skala-", "skala-x7", f"skala-{inloggning.SKALA_MAX}", skalnummer(7)):
        assert Client().post("/patient/logga-in/", {"patient": fel}, secure=True).status_code == 400
    assert "skala-" not in Client().get("/patient/logga-in/", secure=True).content.decode()
    settings.DEBUG = False
    settings.SITHS_STUB_ALLOWED = False
    assert Client().post("/patient/logga-in/", {"patient": "skala-7"}, secure=True).status_code == 400


def test_the_session_holds_no_personnummer(varld):
    from django.contrib.sessions.models import Session

    patientklient("tolvan")
    for s in Session.objects.all():
        data = str(s.get_decoded())
        assert TOLVAN.personnummer not in data and TOLVAN.namn not in data


def test_oidc_maps_the_personnummer_claim_and_the_name():
    claims = {inloggning.CLAIM_PERSONNUMMER_STANDARD: "19121212-1212", "given_name": "Tolvan", "family_name": "T"}
    patient = inloggning.identitet_fran_claims(claims)
    assert patient.personnummer == "191212121212" and patient.namn == "Tolvan T"
    for dåliga in ({}, {inloggning.CLAIM_PERSONNUMMER_STANDARD: "19121212-1213"}, {"sub": "191212121212"}):
        with pytest.raises(ValidationError, match="personnummer"):
            inloggning.identitet_fran_claims(dåliga)


def test_oidc_callback_signs_the_patient_in_after_state_nonce_audience_and_expiry(varld, settings, monkeypatch):
    import time

    from patient import oidc

    settings.PATIENT_OIDC_RP_CLIENT_ID = "vf-patient"
    settings.PATIENT_OIDC_OP_ISSUER = "https://idp.example.se"
    nonce_seen = {}

    def get_token(self, payload):
        assert payload["code"] == "kod-1"
        return {"id_token": "jwt"}

    def verify_token(self, token, nonce=None):
        nonce_seen["nonce"] = nonce
        return {
            "iss": "https://idp.example.se", "aud": "vf-patient", "exp": time.time() + 60, "nonce": nonce,
            inloggning.CLAIM_PERSONNUMMER_STANDARD: TOLVAN.personnummer, "name": TOLVAN.namn,
        }  # fmt: skip

    monkeypatch.setattr(oidc.PatientOIDC, "__init__", lambda self: None)
    monkeypatch.setattr(oidc.PatientOIDC, "get_token", get_token)
    monkeypatch.setattr(oidc.PatientOIDC, "verify_token", verify_token)
    client = Client()
    session = client.session
    session[oidc.SESSION_OIDC] = {"state": "s1", "nonce": "n1", "next": ""}
    session.save()
    from django.test import RequestFactory

    # A wrong state signs nobody in.
    rf = RequestFactory()
    request = rf.get("/patient/oidc/svar/", {"state": "fel", "code": "kod-1"})
    request.session = client.session
    with pytest.raises(Exception, match="state"):
        oidc.verifierade_claims(request)
    request = rf.get("/patient/oidc/svar/", {"state": "s1", "code": "kod-1"})
    request.session = client.session
    claims = oidc.verifierade_claims(request)
    assert nonce_seen["nonce"] == "n1"
    assert inloggning.identitet_fran_claims(claims).personnummer == TOLVAN.personnummer


def test_the_patient_sees_only_their_own_cases(varld, tolvan):
    page = tolvan.get("/patient/", secure=True).content.decode()
    assert varld.arende.case_id in page
    assert varld.annat.case_id not in page


@pytest.mark.parametrize(
    "url",
    [
        "/patient/arenden/{annat}/",
        "/patient/arenden/{annat_utan}/",
        "/patient/arenden/{annat}/?case_id={eget}",
        "/patient/arenden/VF-2026-20-999999-0/",
        "/patient/arenden/x' OR 1=1/",
    ],
)
def test_another_patients_case_is_not_found_by_any_url_or_parameter(varld, tolvan, url):
    url = url.format(annat=varld.annat.case_id, annat_utan=varld.annat.case_id.replace("-", ""),
                     eget=varld.arende.case_id)  # fmt: skip
    assert tolvan.get(url, secure=True).status_code == 404
    e = varld.annat.erbjudanden.get()
    assert (
        tolvan.post(f"/patient/arenden/{varld.annat.case_id}/svar/", {"erbjudande": e.pk}, secure=True).status_code
        == 404
    )
    # Another case's offer under one's own case ID is refused too, and nothing changes.
    response = tolvan.post(
        f"/patient/arenden/{varld.arende.case_id}/svar/",
        {"erbjudande": e.pk, "version": varld.arende.version},
        secure=True,
    )
    assert response.status_code == 422
    e.refresh_from_db()
    assert e.status == Erbjudande.Status.LAMNAT
    assert not Atkomstlogg.objects.filter(case_id=varld.annat.case_id).exists()


def test_the_case_page_shows_where_am_i_and_the_offers_side_by_side_and_is_logged(varld, tolvan):
    response = tolvan.get(f"/patient/arenden/{varld.arende.case_id}/", secure=True)
    page = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "Var är jag?" in page and "Här är du nu" in page and "Vi letar efter vård åt dig" in page
    # The list numbers the steps; the text does not number them again ("1. 1. Vi ser över din väntan").
    assert "<strong>Vi letar efter vård åt dig</strong>" in page and "2. Vi letar" not in page
    assert f'<strong class="nowrap">{varld.arende.case_id}</strong>' in page
    assert "Ögonkliniken Uppsala" in page and "Ögonkliniken Falun" in page
    assert "Ingen extra kostnad" in page and "ordnar och betalar resan" in page
    assert "08-465 004 20" in page and "Vera Lots" in page
    assert "km fågelvägen" in page
    rad = Atkomstlogg.objects.get(case_id=varld.arende.case_id, handling="patient visa ärende")
    assert rad.hsa_id == "patienten" and TOLVAN.personnummer not in str(rad.__dict__)


def test_the_patients_messages_show_on_the_case_page(varld, tolvan):
    """Issue 18 point 4: the confirmations the case sent (arenden.patientkanal) are on the patient's own page."""
    from arenden.patientkanal.models import Meddelandetyp, PatientMeddelande

    PatientMeddelande.objects.create(
        arende=varld.arende,
        typ=Meddelandetyp.REMISSBEKRAFTELSE,
        rubrik="Din remiss har kommit fram",
        text_html="<p>Mottagningen har tagit emot din remiss.</p>",
    )
    page = tolvan.get(f"/patient/arenden/{varld.arende.case_id}/", secure=True).content.decode()
    assert "Dina meddelanden" in page and "Din remiss har kommit fram" in page
    assert "<p>Mottagningen har tagit emot din remiss.</p>" in page


def test_yes_to_one_offer_reaches_the_case_at_once(varld, tolvan):
    valt = varld.erbjudanden[1]
    response = tolvan.post(
        f"/patient/arenden/{varld.arende.case_id}/svar/",
        {"erbjudande": valt.pk, "version": varld.arende.version},
        secure=True,
    )
    assert response.status_code == 302
    varld.arende.refresh_from_db()
    assert varld.arende.status == Status.FORMEDLA
    assert varld.arende.mottagande_enhet_id == valt.vardenhet_id
    valt.refresh_from_db()
    assert valt.status == Erbjudande.Status.ACCEPTERAT and valt.svar_datum == timezone.localdate()
    assert valt.svar_kanal == "digital" and valt.besvarad is not None  # follow-up's reply time and channel
    assert ArendeHandelse.objects.filter(arende=varld.arende, handelse__contains="tackade ja").exists()
    # The coordinator sees it on the case page.
    lots = Client()
    lots.force_login(varld.lots, backend="vardformedling.auth.SithsStubBackend")
    page = lots.get(f"/arenden/{varld.arende.case_id}/", secure=True).content.decode()
    assert "Patienten tackade ja till Ögonkliniken Falun" in page
    # The patient's page names where the care will be, and the offer's date is not called the unit's plan yet.
    egen = tolvan.get(f"/patient/arenden/{varld.arende.case_id}/", secure=True).content.decode()
    assert "Var du får vården" in egen and "<strong>Ögonkliniken Falun</strong>" in egen
    assert varld.arende.planerat_datum == valt.forvantat_datum
    assert "Det datumet stod i erbjudandet" in egen and "Mottagningen har planerat din vård" not in egen


def test_no_to_all_with_or_without_a_reason(varld, tolvan):
    response = tolvan.post(
        f"/patient/arenden/{varld.arende.case_id}/svar/",
        {"svar": "nej", "avbojt_orsak": "for_langt_bort", "version": varld.arende.version},
        secure=True,
    )
    assert response.status_code == 302
    assert set(varld.arende.erbjudanden.values_list("status", "avbojt_orsak")) == {("avbojt", "for_langt_bort")}
    assert set(varld.arende.erbjudanden.values_list("svar_kanal", flat=True)) == {"digital"}
    varld.arende.refresh_from_db()
    assert varld.arende.status == Status.HITTA_VARDGIVARE


def test_an_unknown_reason_is_422_and_changes_nothing(varld, tolvan):
    response = tolvan.post(
        f"/patient/arenden/{varld.arende.case_id}/svar/",
        {"svar": "nej", "avbojt_orsak": "hittepa", "version": varld.arende.version},
        secure=True,
    )
    assert response.status_code == 422
    assert "Välj en orsak i listan" in response.content.decode()
    assert set(varld.arende.erbjudanden.values_list("status", flat=True)) == {"lamnat"}


def test_an_answer_on_an_old_page_is_409_with_the_case_as_it_stands(varld, tolvan):
    services_lots = varld.lots
    from arenden import services

    services.erbjudande_aterkalla(erbjudande=varld.erbjudanden[0], anvandare=services_lots, uppdrag=varld.uppdrag)
    response = tolvan.post(
        f"/patient/arenden/{varld.arende.case_id}/svar/",
        {"erbjudande": varld.erbjudanden[0].pk, "version": varld.arende.version},
        secure=True,
    )
    assert response.status_code == 409
    assert "ändrats" in response.content.decode()
    varld.arende.refresh_from_db()
    assert varld.arende.status == Status.HITTA_VARDGIVARE


def test_contact_request_creates_a_patient_case_in_the_home_region_worklist(varld, tolvan):
    response = tolvan.post(
        "/patient/kontakta-mig/",
        {"region": "06", "kva": "NGB", "orsak": "vantat_lange", "text": "Jag kan resa när som helst."},
        secure=True,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ny = Arende.objects.get(region_id="06", kalla=Kalla.PATIENT)
    assert ny.status == Status.BEHOV and ny.kva_id == "NGB"
    assert ny.handelser.get().motivering.startswith("Jag har väntat längre än vårdgarantin")
    assert ny.anteckningar.get().text == ""  # the patient's words are sealed
    assert response["Location"] == f"/patient/arenden/{ny.case_id}/"
    # It is the patient's own case now, and the home region's coordinator has it in the worklist.
    assert tolvan.get(response["Location"], secure=True).status_code == 200
    from tests.factories import make_user
    from vardformedling.models import Roll

    koordinator = Client()
    koordinator.force_login(make_user(Roll.KOORDINATOR, "06"), backend="vardformedling.auth.SithsStubBackend")
    assert ny.case_id in koordinator.get("/arenden/?flik=region", secure=True).content.decode()
    # Asking again for the same care does not make a second case.
    again = tolvan.post("/patient/kontakta-mig/", {"region": "06", "kva": "NGB", "orsak": "annat"}, secure=True)
    assert again.status_code == 422 and "redan ett ärende" in again.content.decode()
    assert Arende.objects.filter(region_id="06", kalla=Kalla.PATIENT).count() == 1


def test_contact_request_bad_input_names_the_fields(varld, tolvan):
    morgon = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = tolvan.post("/patient/kontakta-mig/", {"region": "99", "beslutsdatum": morgon}, secure=True)
    page = response.content.decode()
    assert response.status_code == 422
    assert "Välj en region i listan" in page and "Välj vilken vård du väntar på" in page
    assert "framtiden" in page and "Välj varför du vill bli kontaktad" in page
    assert not Arende.objects.filter(kalla=Kalla.PATIENT, region_id="99").exists()


def test_staff_cannot_use_patient_pages_and_patients_cannot_use_staff_pages(varld, tolvan):
    staff = Client()
    staff.force_login(varld.lots, backend="vardformedling.auth.SithsStubBackend")
    for url in ("/patient/", f"/patient/arenden/{varld.arende.case_id}/", "/patient/kontakta-mig/"):
        assert staff.get(url, secure=True).status_code == 403, url
    for url in ("/", "/arenden/", f"/arenden/{varld.arende.case_id}/", "/uppfoljning/", "/katalog/sok/"):
        response = tolvan.get(url, secure=True)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_signing_in_as_a_patient_ends_a_staff_session(varld):
    client = Client()
    client.force_login(varld.lots, backend="vardformedling.auth.SithsStubBackend")
    client.post("/patient/logga-in/", {"patient": "tio"}, secure=True)
    assert client.get("/arenden/", secure=True).status_code == 302
    assert client.get("/patient/", secure=True).status_code == 200
    assert TIO.namn  # Tio has a case in region 20 too


@pytest.mark.django_db(transaction=True)
def test_load_demo_gives_each_demo_patient_an_open_digital_offer_or_a_confirmation(demo_identities):
    import patient.demo

    patient.demo.load()
    patient.demo.load()  # idempotent
    tolvan = patientklient("tolvan")
    start = tolvan.get("/patient/", secure=True).content.decode()
    assert "Du har 2 erbjudanden att svara på." in start
    oppna = Erbjudande.objects.filter(arende__region_id="20", status=Erbjudande.Status.LAMNAT)
    assert oppna.count() == 2 and set(oppna.values_list("erbjudet_via", flat=True)) == {Erbjudande.Via.V1177}
    tio = patientklient("tio")
    start = tio.get("/patient/", secure=True).content.decode()
    (case_id,) = Arende.objects.filter(region_id="22").values_list("case_id", flat=True)
    sida = tio.get(f"/patient/arenden/{case_id}/", secure=True).content.decode()
    assert "Mottagningen har planerat din vård den dagen." in sida
    assert Arende.objects.filter(status=Status.BEKRAFTAD, region_id="22").count() == 1


def test_a_case_ended_early_shows_no_current_step_and_nothing_to_do(varld, tolvan):
    from arenden import services
    from arenden.models import Avslutsorsak

    services.arende_avsluta_tidigt(
        arende=varld.arende,
        anvandare=varld.lots,
        uppdrag=varld.uppdrag,
        orsak=Avslutsorsak.BEHOV_UPPHORT,
        motivering="",
    )
    page = tolvan.get(f"/patient/arenden/{varld.arende.case_id}/", secure=True).content.decode()
    assert "Här är du nu" not in page and 'aria-current="step"' not in page
    assert "Ärendet är avslutat. Du behöver inte göra något." in page
    assert "Ja, jag vill ha vården här" not in page  # the offers were withdrawn with the case


def test_each_field_with_an_error_names_its_message(varld, tolvan):
    page = tolvan.post("/patient/kontakta-mig/", {"region": "20"}, secure=True).content.decode()
    assert 'aria-describedby="id_kva-fel"' in page and 'id="id_kva-fel"' in page
    assert 'aria-invalid="true"' in page


def test_the_coordinators_log_review_shows_the_patients_own_reads(varld, tolvan):
    from tests.factories import make_user
    from vardformedling.models import Roll

    tolvan.get(f"/patient/arenden/{varld.arende.case_id}/", secure=True)
    koordinator = Client()
    koordinator.force_login(make_user(Roll.KOORDINATOR, "20"), backend="vardformedling.auth.SithsStubBackend")
    page = koordinator.get("/arenden/logg/", secure=True).content.decode()
    assert "Patienten: visade sitt ärende (patientsidorna)" in page
    assert TOLVAN.personnummer not in page


def test_the_expected_date_is_the_units_median_wait_over_90_days_or_the_planned_date(varld, tolvan, monkeypatch):
    from datetime import date

    from arenden import patient as patientlage
    from lagesbild.api import Vantetid
    from tests.factories import VardenhetFactory
    from vardformedling import format as fmt

    hem = VardenhetFactory(namn="Ögonkliniken Falu lasarett")
    Arende.objects.filter(pk=varld.arende.pk).update(remitterande_enhet=hem)
    median = 120

    def vantetider(*, kva_kod, vardenhet_ids, period="90d"):
        assert (kva_kod, list(vardenhet_ids), period) == ("CJE", [hem.pk], "90d")
        return {hem.pk: Vantetid(median, 40, False, "SPOR", date(2026, 11, 30))}

    monkeypatch.setattr(patientlage.lagesbild_api, "vantetider_for_enheter", vantetider)
    # While offers are open: the earliest offered date.
    tidigast = timezone.localdate() + timedelta(days=20)
    page = tolvan.get(f"/patient/arenden/{varld.arende.case_id}/", secure=True).content.decode()
    villkor = "Om du säger ja till erbjudandet med det tidigaste datumet."  # two open offers
    assert f"Omkring <strong>{fmt.datum_lang(tidigast)}</strong>. {villkor}" in page
    # One offer with a date: no "earliest" to choose.
    forsta = varld.arende.erbjudanden.order_by("forvantat_datum", "pk").first()
    Erbjudande.objects.filter(arende=varld.arende).exclude(pk=forsta.pk).update(forvantat_datum=None)
    page = tolvan.get(f"/patient/arenden/{varld.arende.case_id}/", secure=True).content.decode()
    villkor = "Om du säger ja till erbjudandet nedan."
    assert f"Omkring <strong>{fmt.datum_lang(forsta.forvantat_datum)}</strong>. {villkor}" in page
    # Without a date in the offers: the referring unit's median wait.
    Erbjudande.objects.filter(arende=varld.arende).update(forvantat_datum=None)
    varld.arende.refresh_from_db()
    vantat = varld.arende.beslutsdatum + timedelta(days=median)
    page = tolvan.get(f"/patient/arenden/{varld.arende.case_id}/", secure=True).content.decode()
    assert f"Omkring <strong>{fmt.datum_lang(vantat)}</strong>" in page
    assert "Enligt väntetiden på Ögonkliniken Falu lasarett de senaste 90 dagarna." in page
    # A planned date wins over the estimate.
    Arende.objects.filter(pk=varld.arende.pk).update(planerat_datum=timezone.localdate() + timedelta(days=9))
    page = tolvan.get(f"/patient/arenden/{varld.arende.case_id}/", secure=True).content.decode()
    assert "Mottagningen har planerat din vård den dagen." in page


def test_a_hash_of_the_patient_under_another_regions_key_is_not_enough(varld, tolvan):
    """A case whose hash equals the patient's hash of another region (a pair that is not the patient's) is not
    theirs: the region and the hash must match together."""
    from arenden.services import identitet

    hash_06 = identitet.pnr_hash("06", TOLVAN.personnummer)
    Arende.objects.filter(pk=varld.annat.pk).update(pnr_hash=hash_06)  # a region 20 case with region 06's hash
    assert varld.annat.case_id not in tolvan.get("/patient/", secure=True).content.decode()
    assert tolvan.get(f"/patient/arenden/{varld.annat.case_id}/", secure=True).status_code == 404


def test_the_oidc_callback_view_signs_in_or_refuses_without_saying_why(varld, settings, monkeypatch):
    import time

    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    from patient import oidc
    from patient.session import patient_for

    settings.PATIENT_OIDC_RP_CLIENT_ID = "vf-patient"
    settings.PATIENT_OIDC_OP_ISSUER = "https://idp.example.se"
    claims = {
        "iss": "https://idp.example.se",
        "aud": "vf-patient",
        "exp": time.time() + 60,
        inloggning.CLAIM_PERSONNUMMER_STANDARD: TOLVAN.personnummer,
    }
    monkeypatch.setattr(oidc.PatientOIDC, "__init__", lambda self: None)
    monkeypatch.setattr(oidc.PatientOIDC, "get_token", lambda self, payload: {"id_token": "jwt"})
    monkeypatch.setattr(oidc.PatientOIDC, "verify_token", lambda self, token, nonce=None: dict(claims, nonce=nonce))

    def svar(state: str, **andrat):
        claims.update(andrat)
        request = RequestFactory().get("/patient/oidc/svar/", {"state": state, "code": "k"})
        request.session = SessionStore()
        request.session[oidc.SESSION_OIDC] = {"state": "s1", "nonce": "n1", "next": "/patient/kontakta-mig/"}
        request.user = AnonymousUser()
        request._messages = FallbackStorage(request)
        return request, oidc.callback(request)

    request, response = svar("s1")
    assert response.status_code == 302 and response["Location"] == "/patient/kontakta-mig/"
    assert patient_for(request) is not None
    for state, andrat in (("fel", {}), ("s1", {"aud": "annan"}), ("s1", {"aud": "vf-patient", "exp": 1})):
        request, response = svar(state, **andrat)
        assert response.status_code == 400 and oidc.MISSLYCKADES in response.content.decode()
        assert patient_for(request) is None


def test_in_oidc_mode_the_sign_in_page_offers_e_legitimation_and_no_demo_patients(varld, settings):
    settings.AUTH_MODE = "oidc"
    client = Client()
    page = client.get("/patient/logga-in/", secure=True).content.decode()
    assert 'href="/patient/oidc/logga-in/"' in page and "Logga in med e-legitimation" in page
    assert "Tolvan" not in page
    assert client.post("/patient/logga-in/", {"patient": "tolvan"}, secure=True).status_code == 400
    assert client.get("/patient/", secure=True).status_code == 302


def test_signing_in_gives_a_new_session_key_and_the_pages_load_no_script(varld):
    client = Client()
    client.get("/patient/logga-in/", secure=True)
    fore = client.cookies.get("sessionid")
    client.post("/patient/logga-in/", {"patient": "tolvan"}, secure=True)
    assert client.cookies["sessionid"].value != (fore.value if fore else "")
    for url in ("/patient/", f"/patient/arenden/{varld.arende.case_id}/", "/patient/kontakta-mig/"):
        assert "<script" not in client.get(url, secure=True).content.decode(), url


def test_the_care_is_named_in_everyday_words_with_its_name_beside_it(varld, tolvan):
    """Plain Swedish (lättläst): the patient's pages name the care by its everyday word ("Grå starr"), the care's
    name below it; the contact form lists the everyday words first, in their order."""
    page = tolvan.get(f"/patient/arenden/{varld.arende.case_id}/", secure=True).content.decode()
    assert "<h1>Grå starr</h1>" in page and "Extrakapsulära kataraktoperationer med fakoemulsifikation" in page
    assert ">Grå starr</a>" in tolvan.get("/patient/", secure=True).content.decode()
    form = tolvan.get("/patient/kontakta-mig/", secure=True).content.decode()
    assert '<option value="CJE">Grå starr (Extrakapsulära kataraktoperationer med fakoemulsifikation)</option>' in form
    assert form.index(">Diskbråck (") < form.index(">Grå starr (") < form.index(">Knäprotes (")


def test_an_answered_offer_message_is_not_shown_as_if_an_answer_were_due(varld, tolvan):
    """The offer's message stays while an answer is possible and goes once the patient has answered; confirmations
    stay."""
    from arenden.patientkanal.models import Meddelandetyp, PatientMeddelande

    for typ, rubrik in ((Meddelandetyp.ERBJUDANDE, "Erbjudande om vård"), (Meddelandetyp.REMISSBEKRAFTELSE, "Remiss")):
        PatientMeddelande.objects.create(arende=varld.arende, typ=typ, rubrik=rubrik, text_html="<p>Text.</p>")
    url = f"/patient/arenden/{varld.arende.case_id}/"
    assert "<h3>Erbjudande om vård</h3>" in tolvan.get(url, secure=True).content.decode()
    svar = {"svar": "nej", "avbojt_orsak": "for_langt_bort", "version": varld.arende.version}
    assert tolvan.post(f"{url}svar/", svar, secure=True).status_code == 302
    page = tolvan.get(url, secure=True).content.decode()
    assert "<h3>Erbjudande om vård</h3>" not in page and "<h3>Remiss</h3>" in page
