"""A small world with real objects on both sides of every access boundary, for the generated route checks.

Region 20 (Dalarna) and region 06 (Jönköpings län) each have a case in step 3 whose referral has been sent to a
receiving unit (A for region 20's case, B for region 06's); region 20 also has a case in step 2 with an offer to
unit A that the patient has not answered yet (not sent to A). The roles under test are region 20's navigator (who
registered and handles region 20's cases), region 20's coordinator, an administrator and receiving unit A.
Everything "foreign" belongs to region 06, unit B, another user or another administrator. The patients' names
carry markup, so a page that shows one without escaping it fails the HTML checks.
"""

import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from arenden import services
from arenden.models import Arende, Atkomstlogg, Erbjudande
from avtal.models import Avtal, Avtalsrad, AvtalsUppladdning
from avtal.uppladdning import uppladdning_skapa, uppladdning_validera
from katalog.models import Kapacitetsannons, KatalogImport, KvaGrupp
from katalog.services import kapacitetsannons_skapa
from katalog.uppladdning import katalogfil_granska
from tests.avtal.conftest import csv_bytes, rad
from tests.factories import VardenhetFactory, VardgivareFactory, make_user
from tests.katalog.test_importer import ROW_A
from tests.katalog.test_importer import csv_bytes as katalog_csv
from vardformedling.models import Medarbetaruppdrag, Region, Roll
from vardformedling.personnummer import make_test_number

V, K, A, M = Roll.VARDLOTS, Roll.KOORDINATOR, Roll.ADMINISTRATOR, Roll.MOTTAGARE
ROLES = (V, K, A, M)


def pnr_forms(nummer: str) -> list[str]:
    """Every way a 12-digit personnummer can be written: 12 and 10 digits, with and without the dash."""
    return [nummer, f"{nummer[:8]}-{nummer[8:]}", nummer[2:], f"{nummer[2:8]}-{nummer[8:]}"]


@dataclass
class World:
    users: dict  # role → the user signed in with that role
    case: Arende  # region 20's case, sent to unit A
    case_pending: Arende  # region 20's case in step 2, offered to unit A but not answered: not unit A's
    case_other: Arende  # region 06's case, sent to unit B
    offer: Erbjudande  # the accepted offer of `case`
    offer_pending: Erbjudande
    offer_other: Erbjudande
    annons: dict  # role → an announcement that role's user published
    annons_other: Kapacitetsannons  # published by unit B
    upload_other: AvtalsUppladdning  # uploaded by another administrator, waiting for confirmation
    katalog_upload_other: KatalogImport  # a catalogue file by another administrator, waiting for confirmation
    avtal_other: Avtal  # owned by region 06, id with "/" and a space
    avtal: Avtal  # owned by region 20, covering unit A
    unit: object  # unit A
    rapport: str  # region 20's monthly report file name
    rapport_other: str  # region 06's
    sdk_outbox: Path | None = None  # where the build published the transfers' envelopes

    @property
    def cases(self) -> list[Arende]:
        return [self.case, self.case_pending, self.case_other]

    @property
    def secrets(self) -> list[str]:
        """Every case's personnummer in every written form."""
        return [s for c in self.cases for s in pnr_forms(c.identitet.personnummer)]


def _case(*, region: str, handler, unit, avtalsrad, nummer: str, namn: str, sent: bool) -> tuple[Arende, Erbjudande]:
    """A case registered and assessed by `handler`, offered to `unit`; if `sent`, accepted and referred there."""
    uppdrag = Medarbetaruppdrag.objects.get(user=handler)
    idag = timezone.localdate()
    a = services.arende_registrera(
        anvandare=handler,
        uppdrag=uppdrag,
        region=Region.objects.get(kod=region),
        personnummer=nummer,
        namn=namn,
        kva=KvaGrupp.objects.get(kod="CJE"),
        beslutsdatum=idag - timedelta(days=80),  # the guarantee ends in 10 days: on coordinators' start page
    )
    patient = a.identitet
    a = services.arende_bedom(arende=a, anvandare=handler, uppdrag=uppdrag, lamplig=True)
    a.identitet = patient
    e = services.erbjudande_lamna(
        arende=a, anvandare=handler, vardenhet=unit, avtalsrad=avtalsrad, forvantat_datum=idag
    )
    if not sent:
        a.refresh_from_db()
        return a, e
    services.erbjudande_besvara(erbjudande=e, anvandare=handler, svar=True)
    a.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the envelope is published in the build's outbox
        services.arende_overfor(arende=a, anvandare=handler, uppdrag=uppdrag, dokument=["remiss"])
    a.refresh_from_db()
    e.refresh_from_db()
    return a, e


def _annons(user) -> Kapacitetsannons:
    return kapacitetsannons_skapa(
        user=user,
        uppdrag=Medarbetaruppdrag.objects.get(user=user),
        data={
            "typ": Kapacitetsannons.Typ.ERBJUDER,
            "kva": KvaGrupp.objects.get(kod="CJE"),
            "antal": 5,
            "kontakt": "kapacitet@example.se",
            "giltig_till": timezone.localdate() + timedelta(days=14),
        },
    )


def _build_world() -> World:
    from vardformedling.reference import load_kva_groups, load_regions

    if not Region.objects.exists():  # a browser test before this module flushed the reference data
        load_regions(Region)
    if not KvaGrupp.objects.exists():
        load_kva_groups(KvaGrupp)
    idag = timezone.localdate()
    vardgivare = VardgivareFactory(orgnr="556543-2100")
    unit_a = VardenhetFactory(hsa_id="SE5565432100-OG1", namn="Enhet A", vardgivare=vardgivare)
    unit_b = VardenhetFactory(namn="Enhet B", vardgivare=vardgivare, region=Region.objects.get(kod="06"))
    avtal = Avtal.objects.create(
        avtalsagare=Region.objects.get(kod="20"),
        avtal_id="DALARNA 2026/1",
        vardgivare=vardgivare,
        avtalstyp="upphandlat",
        giltig_fran=idag - timedelta(days=100),
        giltig_till=idag + timedelta(days=300),
        far_nyttjas_av_alla=True,
    )
    rad_cje = Avtalsrad.objects.create(avtal=avtal, kva_id="CJE", pris_kr=9500, takvolym=10)
    avtal_other = Avtal.objects.create(
        avtalsagare=Region.objects.get(kod="06"),
        avtal_id="JKPG 2026/7",
        vardgivare=vardgivare,
        avtalstyp="upphandlat",
        giltig_fran=idag - timedelta(days=10),
        giltig_till=idag + timedelta(days=300),
    )
    Avtalsrad.objects.create(avtal=avtal_other, kva_id="CJE", pris_kr=9900, takvolym=5)

    users = {
        V: make_user(V, "20", namn="Vera Egenregion"),
        K: make_user(K, "20", namn="Kalle Egenregion"),
        A: make_user(A, None, namn="Ada Admin"),
        M: make_user(M, unit_a.region_id, unit_a, namn="Mia Mottagare A"),
    }
    lots_06 = make_user(V, "06", namn="Lisa Annanregion")
    mottagare_b = make_user(M, "06", unit_b, namn="Bo Mottagare B")
    admin_2 = make_user(A, None, namn="Annan Admin")

    case, offer = _case(
        region="20",
        handler=users[V],
        unit=unit_a,
        avtalsrad=rad_cje,
        nummer=make_test_number(1950, 3, 4, 101),
        namn="Tolvan <script>alert(1)</script> Egenregionsson",
        sent=True,
    )
    case_pending, offer_pending = _case(
        region="20",
        handler=users[V],
        unit=unit_a,
        avtalsrad=rad_cje,
        nummer=make_test_number(1972, 5, 6, 303),
        namn="Vilma <img src=x onerror=alert(2)> Väntarsson",
        sent=False,
    )
    case_other, offer_other = _case(
        region="06",
        handler=lots_06,
        unit=unit_b,
        avtalsrad=rad_cje,
        nummer=make_test_number(1961, 7, 8, 202),
        namn='Nils "<b>Annanregionsson</b>"',
        sent=True,
    )

    upload = uppladdning_skapa(filnamn="avtal.csv", innehall=csv_bytes([rad(avtal_id="NY 2026/9")]), anvandare=admin_2)
    upload = uppladdning_validera(uppladdning_id=upload.pk)
    # One new unit and none of the world's: confirming it would deactivate every catalogue unit (refused, 422).
    katalog_upload = katalogfil_granska(data=katalog_csv(ROW_A), filnamn="katalog.csv", anvandare=admin_2)

    # Region 06's navigator has read its own case: the access-log review of region 20 must not show it.
    Atkomstlogg.objects.create(
        hsa_id=lots_06.hsa_id, uppdrag="Vårdlots", region_kod="06", case_id=case_other.case_id, handling="visa ärende"
    )

    return World(
        users=users,
        case=case,
        case_pending=case_pending,
        case_other=case_other,
        offer=offer,
        offer_pending=offer_pending,
        offer_other=offer_other,
        annons={role: _annons(user) for role, user in users.items()},
        annons_other=_annons(mottagare_b),
        upload_other=upload,
        katalog_upload_other=katalog_upload,
        avtal_other=avtal_other,
        avtal=avtal,
        unit=unit_a,
        rapport="uppfoljning_20_2026-01.csv",
        rapport_other="uppfoljning_06_2026-01.csv",
        sdk_outbox=settings.SDK_OUTBOX,
    )


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once per test module inside a transaction that is rolled back afterwards; each test runs in a
    savepoint inside it (pytest-django's `db`), so what one test changes, the next does not see."""
    folder = tmp_path_factory.mktemp("world")
    with django_db_blocker.unblock(), override_settings(SDK_OUTBOX=folder / "sdk", RAPPORT_DIR=folder / "rapporter"):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = _build_world()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def world(_world, db, settings) -> World:
    """The world, and each region's monthly report file in this test's RAPPORT_DIR."""
    for report in (_world.rapport, _world.rapport_other):
        folder = settings.RAPPORT_DIR / report.split("_")[1]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / report).write_text("tabell;antal\nutfall;<5\n", encoding="utf-8")
    if _world.sdk_outbox is not None and _world.sdk_outbox.exists():  # the transfers' envelopes, for the inbox
        shutil.copytree(_world.sdk_outbox, settings.SDK_OUTBOX, dirs_exist_ok=True)
    return _world
