"""Issue #19 point 2: a line passing 80/95/100 % of its cap tells every region that used it or has open offers on it,
once per threshold, in the portal (header list, read per user) and by e-mail; open offers on a full line are flagged."""

from datetime import date

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from arenden import services
from avtal.models import Troskelpassering
from avtal.services import volym_rapportera, volym_slapp
from tests.factories import make_user
from vardformedling import notiser
from vardformedling.models import Medarbetaruppdrag, Notis, Region, Roll

MANAD = date.today().replace(day=1)


def klient(user):
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


@pytest.fixture
def rad10(avtalsrad):
    avtalsrad.takvolym = 10
    avtalsrad.save()
    return avtalsrad


@pytest.fixture
def oppet_erbjudande_06(registrera, lots, mottagande_enhet, rad10):
    """Region 06's case with an offer on the line that the patient has not answered."""
    lots06 = make_user(Roll.VARDLOTS, "06")
    uppdrag = Medarbetaruppdrag.objects.get(user=lots06)
    a = registrera(region=Region.objects.get(kod="06"), anvandare=lots06, uppdrag=uppdrag)
    a = services.arende_bedom(arende=a, anvandare=lots06, uppdrag=uppdrag, lamplig=True)
    services.erbjudande_lamna(arende=a, anvandare=lots06, vardenhet=mottagande_enhet, avtalsrad=rad10)
    return a


def notiser_per_grans():
    return sorted((n.rubrik.split(":")[0], n.region_id) for n in Notis.objects.all())


@pytest.mark.django_db
def test_each_threshold_is_announced_once_to_users_and_offer_regions_with_e_mail(
    rad10, oppet_erbjudande_06, arende_i_steg, django_capture_on_commit_callbacks
):
    k03 = make_user(Roll.KOORDINATOR, "03", epost="k03@example.se")
    k06 = make_user(Roll.KOORDINATOR, "06", epost="k06@example.se")
    make_user(Roll.KOORDINATOR, "22", epost="k22@example.se")  # never used the line: not told
    with django_capture_on_commit_callbacks(execute=True):
        volym_rapportera(rad=rad10, region=Region.objects.get(kod="03"), manad=MANAD, antal=7)
    assert not Notis.objects.exists() and not mail.outbox  # 70 %
    with django_capture_on_commit_callbacks(execute=True):
        volym_rapportera(rad=rad10, region=Region.objects.get(kod="03"), manad=MANAD, antal=8)
    assert notiser_per_grans() == [("80\u00a0% av takvolymen använd", "03"), ("80\u00a0% av takvolymen använd", "06")]
    assert sorted(m.to[0] for m in mail.outbox) == ["k03@example.se", "k06@example.se"]
    brev = mail.outbox[0]
    assert brev.subject == "Vårdförmedlingstjänsten: 80\u00a0% av takvolymen använd: avtal TEST-2026-1, CJE"
    assert (
        "8 av 10 (80\u00a0%) är förbrukade, reserverade eller rapporterade utanför portalen. 2 platser är kvar."
        in brev.body
    )
    assert reverse("avtal:detalj", args=["TEST-2026-1"]) in brev.body
    # The same figure again, and a higher one below 95 %: nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        volym_rapportera(rad=rad10, region=Region.objects.get(kod="03"), manad=MANAD, antal=8)
        volym_rapportera(rad=rad10, region=Region.objects.get(kod="03"), manad=MANAD, antal=9)
    assert Notis.objects.count() == 2 and len(mail.outbox) == 2
    # Region 20's patient says yes: 10 of 10 – 95 % and 100 % at once, to 03, 06 and now 20.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        arende = arende_i_steg("formedla")
    assert sorted(Troskelpassering.objects.values_list("grans", flat=True)) == [80, 95, 100]
    assert {n.region_id for n in Notis.objects.filter(rubrik__startswith="Takvolymen är nådd")} == {"03", "06", "20"}
    assert {n.region_id for n in Notis.objects.filter(rubrik__startswith="95\u00a0%")} == {"03", "06", "20"}
    till_06 = [m for m in mail.outbox if m.to == [k06.epost]]
    assert len(till_06) == 2 and any("Nya reservationer på avtalsraden avvisas" in m.body for m in till_06)
    # Released and taken again: still once per threshold.
    antal = Notis.objects.count()
    volym_slapp(referens=arende.case_id)
    with django_capture_on_commit_callbacks(execute=True):
        volym_rapportera(rad=rad10, region=Region.objects.get(kod="22"), manad=MANAD, antal=1)
    assert Notis.objects.count() == antal
    assert k03.notiser.count() == 0  # notices go to the region, not to the user by name


@pytest.mark.django_db
def test_header_list_unread_count_and_read_per_user(rad10, oppet_erbjudande_06):
    volym_rapportera(rad=rad10, region=Region.objects.get(kod="03"), manad=MANAD, antal=10)
    a, b = make_user(Roll.KOORDINATOR, "06"), make_user(Roll.VARDLOTS, "06")
    other = make_user(Roll.KOORDINATOR, "22")
    ua = Medarbetaruppdrag.objects.get(user=a)
    assert notiser.olasta(a, ua) == 3  # 80, 95 and 100 % to region 06
    meny = klient(a).get(reverse("notiser"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="notiser-meny", secure=True)
    text = meny.content.decode()
    assert meny.status_code == 200 and "<html" not in text and "Takvolymen är nådd" in text and ">3<" in text
    n = Notis.objects.filter(region_id="06").order_by("id").first()
    svar = klient(a).post(reverse("notiser_last"), {"notis": n.pk}, secure=True)
    assert svar.status_code == 302
    assert notiser.olasta(a, ua) == 2
    assert notiser.olasta(b, Medarbetaruppdrag.objects.get(user=b)) == 3  # read per user
    klient(a).post(reverse("notiser_last"), secure=True)
    assert notiser.olasta(a, ua) == 0
    assert notiser.olasta(other, Medarbetaruppdrag.objects.get(user=other)) == 0
    sida = klient(other).get(reverse("notiser"), secure=True).content.decode()
    assert "Inga notiser." in sida


@pytest.mark.django_db
def test_open_offer_on_a_full_line_is_flagged_on_the_case_and_in_the_worklist(
    rad10, oppet_erbjudande_06, django_assert_max_num_queries
):
    lots06 = make_user(Roll.VARDLOTS, "06")
    c = klient(lots06)
    assert (
        "Takvolymen är nådd"
        not in c.get(reverse("arenden:arende", args=[oppet_erbjudande_06.case_id]), secure=True).content.decode()
    )
    volym_rapportera(rad=rad10, region=Region.objects.get(kod="03"), manad=MANAD, antal=10)
    sida = c.get(reverse("arenden:arende", args=[oppet_erbjudande_06.case_id]), secure=True).content.decode()
    assert "Takvolymen är nådd: patienten kan inte tacka ja på avtalsraden" in sida
    # One query more than with no open offer on an agreement line (tests/arenden/test_views.py): the lines' volume.
    with django_assert_max_num_queries(14):
        lista = c.get(reverse("arenden:lista") + "?flik=region", secure=True).content.decode()
    assert "Erbjudande på full avtalsrad" in lista
