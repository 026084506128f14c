"""The Celery worker SIGKILLed in the middle of an inbox import: no partial data; the next run completes."""

import os
import signal
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from lagesbild import inkorg
from lagesbild.models import ImportRun, ImportStatus, Leverans, Matvarde
from lagesbild.tasks import importera_inkorg
from tests.faults.registerfiler import spor_file

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, timeout: float = 60.0, step: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return False


def test_worker_killed_mid_import_leaves_no_partial_data(killable_worker, settings):
    # ~30,000 units × 8 rows: large enough that the import runs for seconds and the kill lands inside it
    spor_file(settings.LAGESBILD_INBOX / "spor_stor.csv", enheter=30_000)
    worker = killable_worker()
    importera_inkorg.delay(startad_av="beat")
    assert wait_for(lambda: ImportRun.objects.filter(status=ImportStatus.PAGAR).exists()), "the import never started"
    time.sleep(0.3)  # inside reading/validating/writing; the assertion below proves it
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    run = ImportRun.objects.get()
    assert run.status == ImportStatus.PAGAR, "the kill must land mid-import for this test to mean anything"
    assert Leverans.objects.count() == 0
    assert Matvarde.objects.count() == 0


def test_the_next_run_completes_an_import_whose_worker_was_killed(settings):
    """The state a SIGKILL leaves (see the test above): the file in processing/ and an ImportRun 'pågår'."""
    rows = spor_file(settings.LAGESBILD_INBOX / "spor.csv", enheter=5)
    folders = inkorg.mappar()
    claimed = folders["processing"] / f"{uuid.uuid4().hex}_spor.csv"  # as importera_inkorgsfil names a claim
    (settings.LAGESBILD_INBOX / "spor.csv").rename(claimed)
    two_hours_ago = time.time() - 2 * 3600  # long dead, whatever threshold a recovery uses
    os.utime(claimed, (two_hours_ago, two_hours_ago))
    run = ImportRun.objects.create(filnamn="spor.csv", checksumma="x" * 64, startad_av="beat")
    ImportRun.objects.filter(pk=run.pk).update(startad=timezone.now() - timedelta(hours=2))

    inkorg.importera_inkorg(startad_av="beat")

    assert Matvarde.objects.count() == rows, "the next run imports the file the killed run had claimed"
    assert not ImportRun.objects.filter(status=ImportStatus.PAGAR).exists(), "the killed run is marked failed"
