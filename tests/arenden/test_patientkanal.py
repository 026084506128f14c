"""Issue 18, the case side of the patient's channel: 1177 notifications without health data, the postal-fallback
task (time travel, no sleeps), confirmations from region templates with hostile input escaped, the offer letter
with every offered unit, and reply time and channel in follow-up."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from arenden import services
from arenden.models import Erbjudande, Meddelandetyp, Patientinstallning, Patientmall, PatientMeddelande, SvarsKanal
from arenden.patientkanal import mallar
from arenden.services import patientkanal
from tests.factories import VardenhetFactory, make_user
from uppfoljning import queries as q
from uppfoljning.statistik import _svar
from vardformedling.models import Region, Roll


def _client(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


@pytest.fixture
def lots_client(lots):
    return _client(lots)


@pytest.fixture
def koordinator(db):
    return make_user(Roll.KOORDINATOR, "20", namn="Test Koordinator")


def _digitalt(a, lots, enhet, **kwargs) -> Erbjudande:
    return services.erbjudande_lamna(
        arende=a, anvandare=lots, vardenhet=enhet, erbjudet_via=Erbjudande.Via.V1177, **kwargs
    )


def _notiser(settings) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(settings.INKORG_1177_OUTBOX.glob("*.json"))]


def _tillbaka(erbjudande, dagar: int) -> None:
    """Time travel: the offer was sent `dagar` days ago."""
    Erbjudande.objects.filter(pk=erbjudande.pk).update(skapad=timezone.now() - timedelta(days=dagar))


# --- the 1177 notification ---------------------------------------------------------------------------------------


def test_a_digital_offer_notifies_the_patient_with_a_link_and_the_case_reference_only(
    settings, arende_i_steg, lots, mottagande_enhet, django_capture_on_commit_callbacks
):
    a = arende_i_steg("hitta_vardgivare", namn="Hemlig Patientsson")
    pnr = a.identitet.personnummer
    with django_capture_on_commit_callbacks(execute=True):
        _digitalt(a, lots, mottagande_enhet, forvantat_datum=timezone.localdate() + timedelta(days=20))
    notiser = _notiser(settings)
    assert len(notiser) == 1
    notis = notiser[0]
    assert notis["arende"] == a.case_id and notis["lank"].endswith("/patient/")
    text = json.dumps(notis, ensure_ascii=False)
    for halsodata in (mottagande_enhet.namn, a.kva_id, a.kva.benamning, "Hemlig", pnr, pnr[2:8], "katarakt"):
        assert halsodata.lower() not in text.lower()
    # The patient pages get the message itself; the case records that it was notified.
    [m] = patientkanal.meddelanden_for(arende=a)
    assert m.typ == Meddelandetyp.ERBJUDANDE and m.skickad is not None and m.notis_id == notis["notis_id"]
    assert a.case_id in m.text and "svara senast" in m.text


def test_two_digital_offers_on_one_day_give_one_notification(
    settings, arende_i_steg, lots, mottagande_enhet, django_capture_on_commit_callbacks
):
    a = arende_i_steg("hitta_vardgivare")
    with django_capture_on_commit_callbacks(execute=True):
        _digitalt(a, lots, mottagande_enhet)
        _digitalt(a, lots, VardenhetFactory(namn="Andra Ögonkliniken"))
    assert len(_notiser(settings)) == 1 and PatientMeddelande.objects.filter(arende=a).count() == 1


def test_an_offer_by_phone_sends_no_notification_and_a_refused_offer_none_either(
    settings, arende_i_steg, lots, mottagande_enhet, django_capture_on_commit_callbacks
):
    a = arende_i_steg("hitta_vardgivare")
    b = arende_i_steg("hitta_vardgivare")
    with django_capture_on_commit_callbacks(execute=True):
        services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet)
        with pytest.raises(ValidationError):
            _digitalt(b, lots, mottagande_enhet, forvantat_datum=timezone.localdate() - timedelta(days=1))
    assert _notiser(settings) == [] and not PatientMeddelande.objects.exists()


# --- postal fallback ---------------------------------------------------------------------------------------------


def test_no_answer_in_14_days_gives_a_postal_task_and_a_letter_sent_closes_it(
    arende_i_steg, lots, lots_uppdrag, mottagande_enhet, lots_client
):
    a = arende_i_steg("hitta_vardgivare")
    e = _digitalt(a, lots, mottagande_enhet, svarsfrist=timezone.localdate() + timedelta(days=30))
    idag = timezone.localdate()
    assert patientkanal.postuppgifter(arenden=[a.pk], idag=idag + timedelta(days=13)) == set()
    assert patientkanal.postuppgifter(arenden=[a.pk], idag=idag + timedelta(days=14)) == {a.pk}
    # On the worklist and the case page once 14 days have passed (sent 14 days ago, as seen today).
    _tillbaka(e, 14)
    start = lots_client.get("/").content.decode()
    assert f"{a.case_id} – skicka erbjudandet per post" in start
    lista = lots_client.get("/arenden/?flik=alla&uppgift=post").content.decode()
    assert a.case_id in lista and "Skicka erbjudandet per post" in lista
    sida = lots_client.get(f"/arenden/{a.case_id}/").content.decode()
    assert "Skicka erbjudandet per post" in sida and f"/arenden/{a.case_id}/erbjudanden/{e.pk}/brev/" in sida
    # The answer deadline is separate: still open, no reminder yet.
    e.refresh_from_db()
    assert not e.forfallet
    a.refresh_from_db()
    r = lots_client.post(
        f"/arenden/{a.case_id}/atgard/brev_skickat/",
        {"brev_skickat-version": a.version, "erbjudande": e.pk},
    )
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.brev_skickat is not None and e.brev_skickat_av == lots
    assert patientkanal.postuppgifter(arenden=[a.pk]) == set()
    assert "Skicka erbjudandet per post" not in lots_client.get(f"/arenden/{a.case_id}/?x=1").content.decode()
    assert a.handelser.filter(handelse__startswith="Erbjudandet skickat per post").exists()


def test_the_postal_task_follows_the_regions_own_days_and_skips_answered_and_phone_offers(
    arende_i_steg, lots, mottagande_enhet
):
    Patientinstallning.objects.create(region_id="20", post_efter_dagar=7)
    a = arende_i_steg("hitta_vardgivare")
    b = arende_i_steg("hitta_vardgivare")
    c = arende_i_steg("hitta_vardgivare")
    _digitalt(a, lots, mottagande_enhet)
    eb = _digitalt(b, lots, mottagande_enhet)
    services.erbjudande_besvara(erbjudande=eb, anvandare=None, svar=False, avbojt_orsak="annat", kanal="digital")
    services.erbjudande_lamna(arende=c, anvandare=lots, vardenhet=mottagande_enhet)  # by phone
    idag = timezone.localdate()
    alla = [a.pk, b.pk, c.pk]
    assert patientkanal.postuppgifter(arenden=alla, idag=idag + timedelta(days=6)) == set()
    assert patientkanal.postuppgifter(arenden=alla, idag=idag + timedelta(days=7)) == {a.pk}


def test_one_letter_sent_closes_the_task_of_every_offer_it_lists(arende_i_steg, lots, lots_client, mottagande_enhet):
    a = arende_i_steg("hitta_vardgivare")
    e1 = _digitalt(a, lots, mottagande_enhet)
    e2 = _digitalt(a, lots, VardenhetFactory(namn="Andra Ögonkliniken"))
    _tillbaka(e1, 15)
    _tillbaka(e2, 15)
    sida = lots_client.get(f"/arenden/{a.case_id}/").content.decode()
    assert sida.count(">Brev skickat<") == 1  # one letter, one button
    patientkanal.erbjudande_brev_skickat(erbjudande=e1, anvandare=lots)
    assert not Erbjudande.objects.filter(arende=a, brev_skickat__isnull=True).exists()


def test_letter_sent_is_refused_for_an_offer_without_a_task(arende_i_steg, lots, mottagande_enhet):
    a = arende_i_steg("hitta_vardgivare")
    e = _digitalt(a, lots, mottagande_enhet)
    with pytest.raises(ValidationError, match="väntar inte på något brev"):
        patientkanal.erbjudande_brev_skickat(erbjudande=e, anvandare=lots)


# --- the offer letter --------------------------------------------------------------------------------------------


def test_the_letter_lists_every_offered_unit_no_extra_cost_travel_and_the_number(
    arende_i_steg, lots, lots_client, mottagande_enhet
):
    Region.objects.filter(kod="20").update(vardformedling_telefon="08-465 004 20")
    annan = VardenhetFactory(namn="Andra Ögonkliniken")
    a = arende_i_steg("hitta_vardgivare")
    e1 = _digitalt(a, lots, mottagande_enhet, forvantat_datum=a.vardgaranti_datum - timedelta(days=1))
    _digitalt(a, lots, annan, forvantat_datum=a.vardgaranti_datum + timedelta(days=3), efter_vardgaranti_motivering="x")
    brev = lots_client.get(f"/arenden/{a.case_id}/erbjudanden/{e1.pk}/brev/").content.decode()
    assert mottagande_enhet.namn in brev and "Andra Ögonkliniken" in brev
    assert "Du väljer själv" in brev and "Ring oss på <strong>08-465 004 20</strong>" in brev
    assert "kostar dig inget extra" in brev and "utan extra kostnad" in brev
    # One unit before the guarantee date: the letter does not claim none was found; the later one says it is later.
    assert "Vi har inte hittat någon vårdgivare" not in brev
    assert brev.count("Det är efter vårdgarantins datum") == 1


# --- confirmations from region templates -------------------------------------------------------------------------


def test_referral_and_treatment_confirmations_come_from_the_region_template(
    settings, arende_i_steg, mottagande_enhet, lots_client, django_capture_on_commit_callbacks
):
    Patientinstallning.objects.create(region_id="20", kontakt="Ring Vårdförmedlingen Dalarna 023-49 00 00.")
    Patientmall.objects.create(
        region_id="20",
        typ=Meddelandetyp.REMISSBEKRAFTELSE,
        rubrik="Din remiss till {enhet}",
        text="Ärende {arende}. Planerat {planerat_datum}, väntetid {vantetid}.\n\n{kontakt}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        a = arende_i_steg("utford")
    remiss, behandling = sorted(PatientMeddelande.objects.filter(arende=a), key=lambda m: m.pk)
    assert remiss.typ == Meddelandetyp.REMISSBEKRAFTELSE and remiss.rubrik == f"Din remiss till {mottagande_enhet.namn}"
    assert a.case_id in remiss.text and "023-49 00 00" in remiss.text and "väntetid kort" in remiss.text
    assert "i dag" not in remiss.text, "a dated letter read later names its day, never 'today'"
    # No template of its own for the treatment confirmation: the national default, with the region's contact.
    assert behandling.typ == Meddelandetyp.BEHANDLINGSBEKRAFTELSE and "är utförd" in behandling.text
    assert "023-49 00 00" in behandling.text
    # The offer was by phone (no notification); each confirmation notified the patient, without health data.
    notiser = _notiser(settings)
    assert len(notiser) == 2 and {n["arende"] for n in notiser} == {a.case_id}
    assert mottagande_enhet.namn not in json.dumps(notiser, ensure_ascii=False)
    r = lots_client.get(f"/arenden/{a.case_id}/meddelanden/{remiss.pk}/")
    assert r.status_code == 200 and "data-print" in r.content.decode() and "023-49 00 00" in r.content.decode()


def test_hostile_template_input_is_escaped_and_never_evaluated(arende_i_steg, mottagande_enhet):
    mottagande_enhet.namn = '<img src=x onerror="alert(1)">Kliniken'
    mottagande_enhet.save()
    Patientinstallning.objects.create(region_id="20", reseregler="<script>alert('resa')</script>")
    fientlig = "<script>alert(1)</script> {{ request }} {% load x %} {enhet} {resor}"
    Patientmall.objects.create(region_id="20", typ=Meddelandetyp.REMISSBEKRAFTELSE, rubrik="R", text=fientlig)
    a = arende_i_steg("bekraftad")
    m = PatientMeddelande.objects.get(arende=a, typ=Meddelandetyp.REMISSBEKRAFTELSE)
    assert "<script>" not in m.text and "<img" not in m.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in m.text and "&lt;img src=x" in m.text
    assert "&lt;script&gt;alert(&#x27;resa&#x27;)" in m.text
    assert "{ request }" in m.text and "{% load x %}" in m.text  # shown as written, not evaluated
    # Attribute access and format specs are never evaluated either.
    assert mallar.rendera("{enhet.__class__} {enhet:>30}", {"enhet": "A"}) == "<p>{enhet.__class__} {enhet:&gt;30}</p>"


@pytest.mark.parametrize(
    ("text", "fel"),
    [
        ("Hej {okand}", "Platshållaren {okand} finns inte"),
        ("Hej {enhet.__class__}", "får inte ha tillägg"),
        ("Hej {enhet!r}", "får inte ha tillägg"),
        ("Hej {", "ensam klammerparentes"),
    ],
)
def test_a_template_with_an_unknown_or_decorated_placeholder_is_refused_with_a_swedish_message(text, fel):
    with pytest.raises(ValidationError, match=fel):
        mallar.granska(text)


def test_the_coordinator_edits_the_regions_texts_and_a_bad_placeholder_saves_nothing(koordinator):
    c = _client(koordinator)
    r = c.get("/arenden/patientmallar/")
    assert r.status_code == 200 and "Remissbekräftelse" in r.content.decode()
    data = {
        "post_efter_dagar": "10",
        "kontakt": "Ring <b>oss</b>",
        "reseregler": "Tåg betalas.",
        "remissbekraftelse_rubrik": "Remiss {arende}",
        "remissbekraftelse_text": "Hej {okand}",
        "behandlingsbekraftelse_rubrik": "Klar",
        "behandlingsbekraftelse_text": "Klart {enhet}",
    }
    r = c.post("/arenden/patientmallar/", data)
    assert r.status_code == 422 and "Platshållaren {okand} finns inte" in r.content.decode()
    assert not Patientmall.objects.exists() and not Patientinstallning.objects.exists()
    r = c.post("/arenden/patientmallar/", {**data, "remissbekraftelse_text": "Hej {enhet}. {kontakt}"})
    assert r.status_code == 302
    assert Patientinstallning.objects.get(region_id="20").post_efter_dagar == 10
    assert Patientmall.objects.get(region_id="20", typ=Meddelandetyp.REMISSBEKRAFTELSE).text == "Hej {enhet}. {kontakt}"
    sida = c.get("/arenden/patientmallar/").content.decode()
    assert "Ring &lt;b&gt;oss&lt;/b&gt;" in sida and "<b>oss</b>" not in sida


def test_a_navigator_may_not_edit_the_regions_texts(lots_client):
    assert lots_client.get("/arenden/patientmallar/").status_code == 403


def test_a_receiving_unit_prints_confirmations_but_not_the_offer_messages(
    arende_i_steg, lots, mottagare, mottagande_enhet
):
    a = arende_i_steg("bekraftad")
    c = _client(mottagare)
    bekraftelse = PatientMeddelande.objects.get(arende=a, typ=Meddelandetyp.REMISSBEKRAFTELSE)
    erbjudande = PatientMeddelande.objects.create(arende=a, typ=Meddelandetyp.ERBJUDANDE, rubrik="x", text_html="")
    assert c.get(f"/arenden/{a.case_id}/meddelanden/{bekraftelse.pk}/").status_code == 200
    assert c.get(f"/arenden/{a.case_id}/meddelanden/{erbjudande.pk}/").status_code == 404
    annan = make_user(Roll.VARDLOTS, "06")
    assert _client(annan).get(f"/arenden/{a.case_id}/meddelanden/{bekraftelse.pk}/").status_code == 404


# --- follow-up ---------------------------------------------------------------------------------------------------


def test_follow_up_reports_reply_time_and_channel(arende_i_steg, lots, mottagande_enhet):
    svar = [("digital", 2), ("digital", 4), ("post", 16), ("telefon", 1)]
    pks = []
    for kanal, dagar in svar:
        a = arende_i_steg("hitta_vardgivare")
        e = _digitalt(a, lots, mottagande_enhet)
        _tillbaka(e, dagar)
        services.erbjudande_besvara(erbjudande=e, anvandare=lots, svar=False, avbojt_orsak="annat", kanal=kanal)
        pks.append(a.pk)
    from arenden.models import Arende

    rader = {r["kanal"]: r for r in q.svarstider(Arende.objects.filter(pk__in=pks))}
    assert rader["digital"]["antal"] == 2 and round(rader["digital"]["median"]) == 3
    assert rader["post"]["antal"] == 1 and round(rader["post"]["median"]) == 16
    assert rader["telefon"]["antal"] == 1 and round(rader["telefon"]["median"]) == 1
    assert rader[""]["antal"] == 4 and rader[""]["etikett"] == "Alla kanaler"
    tabell = _svar(list(rader.values()), False)
    assert [r[0].varde for r in tabell.rader][:3] == [SvarsKanal.DIGITAL.label, SvarsKanal.POST.label, "Telefon"]


def test_an_unknown_answer_channel_is_refused(arende_i_steg, lots, mottagande_enhet):
    a = arende_i_steg("hitta_vardgivare")
    e = _digitalt(a, lots, mottagande_enhet)
    with pytest.raises(ValidationError, match="Välj hur svaret kom in"):
        services.erbjudande_besvara(erbjudande=e, anvandare=lots, svar=True, kanal="brevduva")


def test_the_coordinators_answer_form_records_the_channel(arende_i_steg, lots, lots_client, mottagande_enhet):
    a = arende_i_steg("hitta_vardgivare")
    e = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet)
    a.refresh_from_db()
    r = lots_client.post(
        f"/arenden/{a.case_id}/atgard/svar/",
        {"svar-version": a.version, "erbjudande": e.pk, "svar-svar": "ja", "svar-kanal": "post"},
    )
    assert r.status_code == 302
    e.refresh_from_db()
    assert e.svar_kanal == "post" and e.besvarad is not None


# --- demo ----------------------------------------------------------------------------------------------------------


def test_the_demo_has_region_templates_a_postal_task_and_confirmations(demo_identities):
    import avtal.demo
    from arenden import demo
    from arenden.models import Arende

    avtal.demo.load()
    demo.load()
    assert Patientmall.objects.filter(typ=Meddelandetyp.REMISSBEKRAFTELSE).count() == Region.objects.count()
    vera = Arende.objects.filter(region_id="20")
    postuppgifter = patientkanal.postuppgifter(arenden=vera)
    assert len(postuppgifter) == 1
    [a] = Arende.objects.filter(pk__in=postuppgifter)
    assert a.erbjudanden.filter(status=Erbjudande.Status.LAMNAT, svarsfrist__gt=timezone.localdate()).count() == 2
    assert PatientMeddelande.objects.filter(typ=Meddelandetyp.REMISSBEKRAFTELSE).exists()
    assert PatientMeddelande.objects.filter(typ=Meddelandetyp.BEHANDLINGSBEKRAFTELSE).exists()


class _AdresseradTransport:
    """Stands in for a real 1177 integration: it asks for the recipient, as one must to address an inbox."""

    name = "test"
    mottagna: list[str] = []

    def send(self, *, case_id, region_kod, lank, text, mottagare):
        from arenden.inkorg1177 import Notiskvitto

        _AdresseradTransport.mottagna.append(mottagare())
        return Notiskvitto(notis_id="t-1", fil="", skickad="")


def test_a_real_integration_gets_the_personnummer_only_by_asking_and_the_read_is_logged(
    settings, arende_i_steg, lots, lots_uppdrag, mottagande_enhet
):
    from arenden.models import Atkomstlogg

    settings.INKORG_1177_TRANSPORT = f"{__name__}._AdresseradTransport"
    _AdresseradTransport.mottagna = []
    a = arende_i_steg("hitta_vardgivare")
    _digitalt(a, lots, mottagande_enhet, uppdrag=lots_uppdrag)
    assert _AdresseradTransport.mottagna == [a.identitet.personnummer]
    assert Atkomstlogg.objects.filter(case_id=a.case_id, handling="identitet 1177-notis", hsa_id=lots.hsa_id).exists()


def test_a_digital_answer_shows_on_the_worklist_until_the_navigator_acts(
    arende_i_steg, lots, lots_uppdrag, mottagande_enhet, lots_client, mottagare
):
    ja = arende_i_steg("hitta_vardgivare")
    nej = arende_i_steg("hitta_vardgivare")
    telefon = arende_i_steg("hitta_vardgivare")
    services.erbjudande_besvara(
        erbjudande=_digitalt(ja, lots, mottagande_enhet), anvandare=None, svar=True, kanal="digital"
    )
    e_nej = _digitalt(nej, lots, mottagande_enhet)
    services.erbjudande_besvara(
        erbjudande=e_nej, anvandare=None, svar=False, avbojt_orsak="vill_vanta", kanal="digital"
    )
    services.erbjudande_besvara(erbjudande=_digitalt(telefon, lots, mottagande_enhet), anvandare=lots, svar=True)
    assert patientkanal.digitala_svar(arenden=[ja.pk, nej.pk, telefon.pk]) == {
        ja.pk: "Patienten tackade ja digitalt",
        nej.pk: "Patienten tackade nej digitalt",
    }
    lista = lots_client.get("/arenden/?flik=alla").content.decode()
    assert "Patienten tackade ja digitalt" in lista and "Patienten tackade nej digitalt" in lista
    # The receiving unit sees the accepted case, but the badge is the home region's task.
    enhetens = _client(mottagare).get("/arenden/").content.decode()
    assert ja.case_id in enhetens and "tackade ja digitalt" not in enhetens
    # Acting ends it: the referral is sent; a new offer is made.
    services.arende_overfor(arende=ja, anvandare=lots, uppdrag=lots_uppdrag, dokument=["remiss"])
    _digitalt(nej, lots, VardenhetFactory(namn="Andra Ögonkliniken"))
    assert patientkanal.digitala_svar(arenden=[ja.pk, nej.pk]) == {}


def test_the_follow_up_page_shows_reply_time_per_channel(arende_i_steg, lots, mottagande_enhet, client_for):
    a = arende_i_steg("hitta_vardgivare")
    e = _digitalt(a, lots, mottagande_enhet)
    _tillbaka(e, 3)
    services.erbjudande_besvara(erbjudande=e, anvandare=None, svar=True, kanal="digital")
    sida = client_for(Roll.KOORDINATOR, "20").get("/uppfoljning/").content.decode()
    assert "Svarstid och svarskanal" in sida and "Digitalt (patientens sidor)" in sida


def test_the_coordinators_start_page_links_to_the_regions_texts(koordinator, lots_client):
    assert 'href="/arenden/patientmallar/"' in _client(koordinator).get("/").content.decode()
    assert 'href="/arenden/patientmallar/"' not in lots_client.get("/").content.decode()


def test_the_worklist_puts_each_offer_badge_on_its_own_row_from_one_read_of_the_offers(
    arende_i_steg, lots, mottagande_enhet, lots_client, django_assert_max_num_queries
):
    """The worklist reads the rows' offers once for every badge (full line, letter to send, digital answer): each
    badge stays on its own case's row, and offers add no query."""
    post, svar, inget = (arende_i_steg("hitta_vardgivare") for _ in range(3))
    _tillbaka(_digitalt(post, lots, mottagande_enhet), 14)
    services.erbjudande_besvara(
        erbjudande=_digitalt(svar, lots, mottagande_enhet), anvandare=None, svar=True, kanal="digital"
    )
    _digitalt(inget, lots, VardenhetFactory(namn="Andra Ögonkliniken"))
    with django_assert_max_num_queries(13):  # as test_views.test_worklist_query_count_is_bounded, with no offer
        lista = lots_client.get("/arenden/?flik=alla").content.decode()
    rader = {a.case_id: next(r for r in lista.split("<tr") if a.case_id in r) for a in (post, svar, inget)}
    assert "Skicka erbjudandet per post" in rader[post.case_id]
    assert "Patienten tackade ja digitalt" in rader[svar.case_id]
    assert "per post" not in rader[svar.case_id] and "digitalt" not in rader[post.case_id]
    assert "badge--warn" not in rader[inget.case_id] and "badge--err" not in rader[inget.case_id]
