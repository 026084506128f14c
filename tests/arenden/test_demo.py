from collections import Counter

from django.utils import timezone

import arenden.demo
import avtal.demo
from arenden.models import Arende, Erbjudande, Kalla, Status


def test_demo_cases_cover_every_step_and_the_knee_pilot_and_are_idempotent(demo_identities):
    avtal.demo.load()
    arenden.demo.load()
    antal = Arende.objects.count()
    arenden.demo.load()
    assert Arende.objects.count() == antal
    statusar = Counter(Arende.objects.values_list("status", flat=True))
    assert set(statusar) == set(Status.values)
    ogon02 = Arende.objects.filter(mottagande_enhet__hsa_id="SE5560000001-OGON02", region_id="22")
    assert ogon02.filter(status=Status.REMISS_SKICKAD).exists() and ogon02.filter(status=Status.BEKRAFTAD).exists()


def test_the_demo_has_a_case_past_retention_that_agrees_with_its_own_today(demo_identities):
    """Issue 16 point 5: one closed case whose identity `gallra --torrkorning` would shred, every date of it in the
    past and in order."""
    from arenden.services import gallring
    from arenden.services.gallring import forfallna

    avtal.demo.load()
    arenden.demo.load()
    gamla = list(forfallna())
    assert len(gamla) == 1
    a = gamla[0]
    assert a.skapad <= a.avslutad_datum and a.beslutsdatum <= a.skapad.date()
    grans = gallring.grans("20")
    assert a.avslutad_datum < grans and all(h.tidpunkt < grans for h in a.handelser.all())


def test_the_demo_has_delivery_plans_with_outcome_and_identities_with_addresses(demo_identities):
    """Issue #19: a delivery plan whose weeks show the pilot's cases, an inflow for Mona's unit, e-mail addresses for
    the threshold notices and a coordinator for region 22 (the five contract identities unchanged)."""
    from datetime import timedelta

    from arenden.leveransplan.utfall import jamforelse
    from avtal.leveransplan import mandag, planer_for
    from avtal.models import Leveransplan
    from vardformedling.models import Medarbetaruppdrag, User

    avtal.demo.load()
    arenden.demo.load()
    antal = Leveransplan.objects.count()
    arenden.demo.load()
    assert Leveransplan.objects.count() == antal > 0
    karin = Medarbetaruppdrag.objects.get(user__hsa_id="SE2321000057-KO01", roll="koordinator")
    denna = mandag(Arende.objects.latest("skapad").skapad.date())
    serier = jamforelse(planer_for(karin), fran=denna - timedelta(weeks=12), till=denna)
    assert serier and sum(s.summa["erbjudna"] for s in serier) > 0
    mona = Medarbetaruppdrag.objects.get(user__hsa_id="SE5560000001-MO01")
    assert planer_for(mona).filter(vecka__gte=denna).exists()
    assert not User.objects.filter(hsa_id__in=["SE2321000180-VL01", "SE2321000057-KO01"], epost="").exists()
    assert Medarbetaruppdrag.objects.filter(roll="koordinator", region_id="22", user__epost__contains="@").exists()


def test_the_knee_pilot_and_the_waiting_lists_are_as_the_source_tells_and_agree_with_today(demo_identities):
    """Issue 17 point 7: in Region Dalarna, from Ortopedkliniken Falu lasarett's list, 59 patients offered care
    elsewhere and 39 accepted; 30 patient-initiated; a Dalarna NGB list and a Jönköping CJE list whose patients
    together are in every risk state (the home units' medians: Falu's knees over 90 days, Jönköping's eyes under)."""
    import lagesbild.demo
    from arenden.vantelista import risk
    from arenden.vantelista.models import Vantelista

    avtal.demo.load()
    lagesbild.demo.load()
    arenden.demo.load()
    knan = Arende.objects.filter(region_id="20", kva_id="NGB")
    fran_listan = knan.filter(kalla=Kalla.VANTELISTA)
    assert fran_listan.count() == 59
    assert set(fran_listan.values_list("remitterande_enhet__namn", flat=True)) == {"Ortopedkliniken Falu lasarett"}
    erbjudanden = Erbjudande.objects.filter(arende__in=fran_listan)
    assert erbjudanden.count() == 59 and erbjudanden.values("arende").distinct().count() == 59
    assert erbjudanden.filter(status="accepterat").count() == 39
    assert erbjudanden.filter(status="avbojt").count() == 20
    assert knan.filter(kalla=Kalla.PATIENT).count() == 30
    assert not Arende.objects.filter(region_id="06", kalla=Kalla.VANTELISTA).exists()  # the pilot is not in Jönköping

    idag = timezone.localdate()
    assert not Arende.objects.filter(beslutsdatum__gt=idag).exists()
    assert not Arende.objects.filter(skapad__gt=timezone.now()).exists()
    assert not Erbjudande.objects.filter(svar_datum__gt=idag).exists()

    tillstand = {}
    for region, hsa_id, kva in (("20", "SE2321000180-FALU01", "NGB"), ("06", "SE2321000057-OGON01", "CJE")):
        lista = Vantelista.objects.aktuella().get(region_id=region, vardenhet__hsa_id=hsa_id, kva_id=kva)
        assert lista.antal == 15
        risker = risk.bedom(risk.rader_for_region(region), idag=idag)
        tillstand[region] = Counter(r.tillstand for r in risker)
    assert tillstand["20"] == {risk.PASSERAT: 5, risk.RISK: 10, risk.LAMNAT: 2}
    assert tillstand["06"] == {risk.PASSERAT: 5, risk.INOM: 10, risk.LAMNAT: 2}


def test_karins_worklist_shows_a_booked_call_back_and_a_parked_case(demo_identities):
    """The demo had no parked case and no call-back: a coordinator walking the demo never saw either on the
    worklist."""
    from datetime import timedelta

    from django.test import Client

    from vardformedling import format as fmt
    from vardformedling.models import User

    avtal.demo.load()
    arenden.demo.load()
    c = Client()
    c.force_login(User.objects.get(hsa_id="SE2321000057-KO01"), backend="vardformedling.auth.SithsStubBackend")
    imorgon = fmt.datum(timezone.localdate() + timedelta(days=1))
    lista = c.get("/arenden/", secure=True).content.decode()
    assert f'<span class="badge badge--info">Återuppringning {imorgon} 09:30</span>' in lista
    parkerat = Arende.objects.get(bevakas_sedan__isnull=False)
    assert parkerat.handlaggare.hsa_id == "SE2321000057-KO01" and parkerat.case_id not in lista
    bevakade = c.get("/arenden/", {"bevakade": "1", "status": "alla"}, secure=True).content.decode()
    assert parkerat.case_id in bevakade and '<span class="badge badge--info">Bevakas</span>' in bevakade


def test_the_demos_cases_past_care_tell_their_story_in_order_and_in_the_past(demo_identities):
    """A walk of the demo found a performed case "Utförd" before its offer was made, planned after it was performed,
    and its referral confirmed after the care: every step was stamped at load time. Each case past care now took
    its steps in the past, in order, and every record of them agrees (history, offer and answer, transfer and its
    signed envelope, receipt, confirmation, patient messages, invoice lines); open cases keep today's dates."""
    import json
    from datetime import datetime

    from arenden import sdk
    from arenden.models import Overforing, PatientMeddelande, Status
    from vardformedling.nycklar import kuvert

    avtal.demo.load()
    arenden.demo.load()
    nu, idag = timezone.now(), timezone.localdate()
    forbi = Arende.objects.filter(
        status__in=[Status.UTFORD, Status.UPPFOLJNING, Status.AVSLUTAD], utfort_datum__isnull=False
    )
    assert forbi.count() >= 30
    for a in forbi:
        handelser = list(a.handelser.order_by("pk"))
        tider = [h.tidpunkt for h in handelser]
        assert tider == sorted(tider), a.case_id
        assert len(set(tider)) == len(tider), a.case_id  # no two steps at the same instant
        assert a.skapad <= tider[0] and tider[-1] < nu
        assert a.beslutsdatum < timezone.localdate(a.skapad)

        erbjudande = a.erbjudanden.get(status="accepterat")
        assert a.skapad < erbjudande.skapad < erbjudande.besvarad
        assert erbjudande.svar_datum == timezone.localdate(erbjudande.besvarad)
        assert timezone.localdate(erbjudande.skapad) < erbjudande.forvantat_datum
        o = Overforing.objects.get(arende=a, mottagare=a.mottagande_enhet)
        assert erbjudande.besvarad < o.skickad < o.mottagen
        kvitto = json.loads(o.kvittens)["kvitto"]
        assert abs((datetime.fromisoformat(kvitto["mottagen"]) - o.mottagen).total_seconds()) < 60
        skapad = datetime.fromisoformat(kuvert.las_metadata(sdk.get_transport().hamta(o.kuvert))["skapad"])
        assert abs((skapad - o.skickad).total_seconds()) < 60
        bekraftad = a.handelser.get(handelse__startswith="Remissen bekräftad").tidpunkt
        assert o.mottagen < bekraftad
        # The care was planned on the offer's expected date, confirmed before it and performed on it, in the past.
        assert timezone.localdate(bekraftad) < a.planerat_datum == erbjudande.forvantat_datum == a.utfort_datum < idag
        assert a.utfort_datum <= a.vardgaranti_datum
        assert not a.aterremitterad or a.utfort_datum <= a.aterremitterad < idag
        if a.status == Status.AVSLUTAD:
            assert a.aterremitterad <= a.betald_datum <= timezone.localdate(a.avslutad_datum) < idag
            assert a.avslutad_datum <= tider[-1]
        for m in PatientMeddelande.objects.filter(arende=a):
            assert a.skapad <= m.skapad < nu and (m.skickad is None or m.skapad <= m.skickad < nu)
        for r in a.fakturarader.all():
            assert r.datum == a.utfort_datum and timezone.localdate(r.registrerad) >= r.datum and r.registrerad < nu
    fakturerade = forbi.filter(fakturarader__isnull=False).distinct()
    assert fakturerade.count() == 3
    assert fakturerade.filter(fakturarader__avser="Extra återbesök").get().status == Status.AVSLUTAD
    # Open cases are untouched: registered today, a confirmed case planned ahead.
    oppna = Arende.objects.filter(status__in=[Status.BEKRAFTAD, Status.REMISS_SKICKAD], region_id="22")
    assert all(timezone.localdate(a.skapad) == idag for a in oppna)
    assert all(a.planerat_datum > idag for a in oppna.filter(status=Status.BEKRAFTAD))
    # And no case in the demo, open or closed, has a history step in the future or out of order.
    for a in Arende.objects.all():
        tider = list(a.handelser.order_by("pk").values_list("tidpunkt", flat=True))
        assert tider == sorted(tider) and all(t <= nu for t in tider), a.case_id
