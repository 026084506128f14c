"""The Celery worker SIGKILLed in the middle of an inbox import: no partial data; the next run completes it."""

import os
import signal
import time

import pytest

from lagesbild import inkorg
from lagesbild.models import ImportRun, ImportStatus, Leverans, Matvarde
from lagesbild.tasks import importera_inkorg
from tests.faults.conftest import wait_for
from tests.faults.registerfiler import spor_file
from tests.faults.worker_settings import LAGESBILD_HANGANDE_EFTER

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_killed_mid_import_leaves_no_partial_data_and_the_redelivered_run_imports_the_file_once(
    killable_worker, settings
):
    """Production after a SIGKILL (OOM, `docker kill`): the worker is started again; the killed task was never
    acknowledged (late acknowledgement), so Redis delivers it again after the visibility timeout; that run puts the
    dead run's claim back into the inbox (it is older than HANGANDE_EFTER), marks the dead run failed and imports
    the file. Here the two clocks are seconds (tests/faults/worker_settings.py); nothing is staged by hand."""
    settings.LAGESBILD_HANGANDE_EFTER = LAGESBILD_HANGANDE_EFTER  # the worker's rule, for the check in this process
    # 15,000 units × 8 rows: the import runs for seconds, so the kill lands inside it (asserted below)
    rows = spor_file(settings.LAGESBILD_INBOX / "spor_stor.csv", enheter=15_000)
    worker = killable_worker()
    from vardformedling.celery import app

    natt = app.send_task("lagesbild.tasks.importera_inkorg", kwargs={"startad_av": "beat"})  # as beat sends it
    assert wait_for(ImportRun.objects.filter(status=ImportStatus.PAGAR).exists, timeout=60), "never started"
    time.sleep(0.3)  # inside reading/validating/writing; the assertion below proves it
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    dead = ImportRun.objects.get()
    assert dead.status == ImportStatus.PAGAR, "the kill must land mid-import for this test to mean anything"
    assert Leverans.objects.count() == 0 and Matvarde.objects.count() == 0, "no partial data"
    folders = inkorg.mappar()
    (claim,) = folders["processing"].iterdir()
    assert claim.name.endswith("_spor_stor.csv") and inkorg.filer_i_inkorgen() == []

    # A run now (the claim is younger than HANGANDE_EFTER: its run might be alive) leaves it alone.
    assert time.time() - claim.stat().st_mtime < LAGESBILD_HANGANDE_EFTER.total_seconds(), "machine too slow"
    assert inkorg.aterstall_avbrutna() == 0
    assert claim.exists() and ImportRun.objects.get().status == ImportStatus.PAGAR

    # A new worker, as a container restart gives; the killed task comes back by itself.
    killable_worker()
    assert wait_for(lambda: natt.state == "SUCCESS", timeout=90, step=0.2), "the killed task was not run again"
    assert natt.result["filer"] == 1 and natt.result["inlasta"] == 1, natt.result
    dead.refresh_from_db()
    assert dead.status == ImportStatus.MISSLYCKAD and dead.meddelande == inkorg.MEDDELANDE_AVBRUTEN
    again = ImportRun.objects.exclude(pk=dead.pk).get()
    assert again.status == ImportStatus.KLAR and again.filnamn == "spor_stor.csv"
    leverans = Leverans.objects.get()
    assert leverans.import_run == again and leverans.rader == rows
    assert Matvarde.objects.filter(leverans=leverans).count() == rows, "complete"
    assert [p.name for p in folders["archive"].iterdir()] == ["spor_stor.csv"]
    assert list(folders["processing"].iterdir()) == [] and inkorg.filer_i_inkorgen() == []

    # The next nightly run has nothing left to do: the delivery is imported exactly once.
    assert importera_inkorg.delay(startad_av="beat").get(timeout=60)["filer"] == 0
    assert ImportRun.objects.count() == 2 and Leverans.objects.count() == 1 and Matvarde.objects.count() == rows
