"""Issue #19 point 7: a published capacity announcement tells the coordinators of each region with fitting open cases
how many (KVÅ group, ASA, anaesthesia, dates, region allowed by an agreement), and shows the total."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from arenden import services
from katalog.models import Kapacitetsannons, KvaGrupp, Vardutbud
from katalog.services import kapacitetsannons_skapa
from tests.factories import make_user
from vardformedling.models import Medarbetaruppdrag, Notis, Region, Roll

pytestmark = pytest.mark.django_db


@pytest.fixture
def vantande(registrera, lots, lots_uppdrag, avtalsrad):
    """Cases of region 20 and 06 waiting for a provider (step 2), and some that do not fit."""
    Vardutbud.objects.create(
        vardenhet=avtalsrad.avtal.vardgivare.vardenheter.get(), kva_id="CJE", max_asa=2, narkos=False
    )
    lots06 = make_user(Roll.VARDLOTS, "06")
    u06 = Medarbetaruppdrag.objects.get(user=lots06)

    def steg2(user=lots, uppdrag=lots_uppdrag, region="20", **kw):
        a = registrera(anvandare=user, uppdrag=uppdrag, region=Region.objects.get(kod=region), **kw)
        return services.arende_bedom(arende=a, anvandare=user, uppdrag=uppdrag, lamplig=True)

    steg2(asa_klass=1)  # fits
    steg2(asa_klass=2)  # fits
    steg2(asa_klass=3)  # ASA above what the unit takes
    steg2(narkos=True)  # the unit does not operate under anaesthesia
    steg2(medicinskt_senast=date.today() + timedelta(days=5))  # too late for a period starting in 10 days
    steg2(kva=KvaGrupp.objects.get(kod="NGB"))  # another group
    registrera(asa_klass=1)  # step 1: not yet assessed
    steg2(user=lots06, uppdrag=u06, region="06", asa_klass=1)  # fits; region 06 may use the agreement (all may)


def test_publishing_capacity_counts_fitting_cases_and_tells_each_region(
    vantande, mottagare, mottagare_uppdrag, django_capture_on_commit_callbacks
):
    k20 = make_user(Roll.KOORDINATOR, "20", epost="k20@example.se")
    make_user(Roll.KOORDINATOR, "06", epost="k06@example.se")
    data = {"typ": Kapacitetsannons.Typ.ERBJUDER, "kva": KvaGrupp.objects.get(kod="CJE"), "antal": 10,
            "period_fran": date.today() + timedelta(days=10), "kontakt": "kapacitet@example.se",
            "giltig_till": date.today() + timedelta(days=14)}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        annons = kapacitetsannons_skapa(user=mottagare, uppdrag=mottagare_uppdrag, data=data)
    assert annons.matchande_arenden == 3
    notiser = {n.region_id: n.rubrik for n in Notis.objects.filter(typ="kapacitet")}
    assert notiser == {
        "20": "Ledig kapacitet för CJE: 2 öppna ärenden passar",
        "06": "Ledig kapacitet för CJE: 1 öppet ärende passar",
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["k06@example.se", "k20@example.se"]
    c = Client()
    c.force_login(k20, backend="vardformedling.auth.SithsStubBackend")
    sida = c.get(reverse("katalog:kapacitet"), secure=True).content.decode()
    assert "Öppna ärenden som passar" in sida


def test_a_region_that_may_not_use_the_agreement_is_not_counted(vantande, avtalsrad, mottagare, mottagare_uppdrag):
    avtal = avtalsrad.avtal
    avtal.far_nyttjas_av_alla = False
    avtal.save()  # only the owner, region 20
    data = {"typ": Kapacitetsannons.Typ.ERBJUDER, "kva": KvaGrupp.objects.get(kod="CJE"), "antal": 3,
            "kontakt": "k@example.se", "giltig_till": date.today() + timedelta(days=14)}  # fmt: skip
    annons = kapacitetsannons_skapa(user=mottagare, uppdrag=mottagare_uppdrag, data=data)
    assert annons.matchande_arenden == 3  # no period: today; region 20's three (incl. the one due in 5 days)
    assert set(Notis.objects.values_list("region_id", flat=True)) == {"20"}
