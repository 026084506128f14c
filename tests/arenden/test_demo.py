from collections import Counter

import arenden.demo
import avtal.demo
from arenden.models import Arende, Erbjudande, Status


def test_demo_cases_cover_every_step_and_the_knee_pilot_and_are_idempotent(demo_identities):
    avtal.demo.load()
    arenden.demo.load()
    antal = Arende.objects.count()
    arenden.demo.load()
    assert Arende.objects.count() == antal
    statusar = Counter(Arende.objects.values_list("status", flat=True))
    assert set(statusar) == set(Status.values)
    pilot = Erbjudande.objects.filter(arende__region_id="06", arende__kva_id="NGB")
    assert pilot.count() == 59 and pilot.filter(status="accepterat").count() == 39
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
