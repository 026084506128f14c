"""Races: the same file twice into the inbox with two runs at once; two coordinators on the same case."""

import shutil
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from arenden import services
from arenden.models import Arende, ArendeHandelse
from katalog.models import KvaGrupp
from lagesbild import inkorg
from lagesbild.models import ImportStatus, Leverans, Matvarde
from tests.factories import make_user
from tests.faults.registerfiler import spor_file
from tests.processer import samtidigt
from vardformedling.models import Medarbetaruppdrag, Region, Roll
from vardformedling.personnummer import make_test_number

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("round_", range(3))
def test_the_same_file_dropped_twice_and_two_inbox_runs_at_once_is_imported_once(settings, round_):
    rows = spor_file(settings.LAGESBILD_INBOX / "spor_a.csv", enheter=40)
    shutil.copy(settings.LAGESBILD_INBOX / "spor_a.csv", settings.LAGESBILD_INBOX / "spor_b.csv")

    results = samtidigt(
        lambda: inkorg.importera_inkorg(startad_av="natt-1"), lambda: inkorg.importera_inkorg(startad_av="natt-2")
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(r.run.status for res in results for r in res)
    assert len(statuses) == 2, "each file is handled exactly once"
    assert statuses.count(ImportStatus.KLAR) == 1, statuses
    assert set(statuses) <= {ImportStatus.KLAR, ImportStatus.REDAN_INLAST, ImportStatus.MISSLYCKAD}
    assert Leverans.objects.count() == 1
    assert Matvarde.objects.count() == rows
    assert inkorg.filer_i_inkorgen() == []


def test_two_coordinators_transitioning_the_same_case_one_wins_no_lost_update():
    koord_a = make_user(Roll.KOORDINATOR, "20", namn="Koordinator A")
    koord_b = make_user(Roll.KOORDINATOR, "20", namn="Koordinator B")
    arende = services.arende_registrera(
        anvandare=koord_a,
        uppdrag=Medarbetaruppdrag.objects.get(user=koord_a),
        region=Region.objects.get(kod="20"),
        personnummer=make_test_number(1950, 3, 4, 91),
        namn="Test Testsson",
        kva=KvaGrupp.objects.get(kod="CJE"),
        beslutsdatum=timezone.localdate() - timedelta(days=30),
    )
    version = arende.version
    handelser = ArendeHandelse.objects.filter(arende=arende).count()

    results = samtidigt(
        lambda: services.arende_bedom(arende=arende.pk, anvandare=koord_a, lamplig=True, version=version),
        lambda: services.arende_bedom(
            arende=arende.pk, anvandare=koord_b, lamplig=False, motivering="Medicinskt olämplig", version=version
        ),
    )
    vinnare = [r for r in results if isinstance(r, Arende)]
    forlorare = [r for r in results if isinstance(r, ValidationError)]
    assert len(vinnare) == 1 and len(forlorare) == 1, results
    assert "ändrats av någon annan" in " ".join(forlorare[0].messages)
    arende.refresh_from_db()
    assert arende.version == version + 1, "exactly one write"
    assert arende.status == vinnare[0].status and arende.lamplig == vinnare[0].lamplig, "the winner's write stands"
    assert ArendeHandelse.objects.filter(arende=arende).count() == handelser + 1
