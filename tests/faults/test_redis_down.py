"""Redis down: pages keep working, the nightly import never half-imports, the next run completes.

The first tests point this process at a Redis address where nothing listens; the last one runs a real Celery
worker (prefork, as in production) on a Redis of its own and SIGKILLs that Redis in the middle of an import.
"""

import time

import pytest

from lagesbild import inkorg
from lagesbild.models import ImportRun, ImportStatus, Kalla, Leverans, Matvarde
from lagesbild.views_import import FEL_KO_NERE, FEL_STATUS_NERE
from tests.faults.conftest import wait_for
from tests.faults.registerfiler import ncr_file, spor_file
from vardformedling.models import Roll


@pytest.mark.django_db
def test_health_check_and_pages_keep_working_with_redis_down(redis_down, client_for):
    client = client_for(Roll.VARDLOTS, "20")
    client.raise_request_exception = False
    for url in ("/healthz", "/", "/lagesbild/", "/katalog/sok/?q=CJE", "/arenden/", "/avtal/"):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_starting_the_inbox_import_with_redis_down_gives_a_swedish_message_not_a_500(redis_down, client_for, settings):
    spor_file(settings.LAGESBILD_INBOX / "spor.csv", enheter=2)
    client = client_for(Roll.ADMINISTRATOR)
    client.raise_request_exception = False
    response = client.post("/lagesbild/importer/kor/", follow=True)
    assert response.redirect_chain == [("/lagesbild/importer/", 302)]
    assert response.status_code == 200
    assert f'<p class="message message--error">{FEL_KO_NERE}</p>' in response.content.decode()
    assert (settings.LAGESBILD_INBOX / "spor.csv").exists(), "the file must stay in the inbox for the next run"
    assert not ImportRun.objects.exists(), "nothing was started"


@pytest.mark.django_db
def test_the_import_status_page_with_redis_down_does_not_fail(redis_down, client_for):
    client = client_for(Roll.ADMINISTRATOR)
    client.raise_request_exception = False
    response = client.get("/lagesbild/importer/?uppgift=0b9e6c1c-0000-4000-8000-000000000000")
    assert response.status_code == 200
    assert FEL_STATUS_NERE in response.content.decode()


def task_state(result) -> str:
    """The task's state from the result backend, or "" while Redis cannot be asked."""
    try:
        return result.state
    except Exception:  # Redis (re)starting: not known yet
        return ""


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_redis_killed_in_the_middle_of_the_nightly_import_pages_work_files_are_whole_and_the_next_run_completes(
    prefork_worker_on_private_redis, private_redis, settings, client_for
):
    """What the product does when Redis dies under a running inbox import (lagesbild/tasks.py):

    the import needs only PostgreSQL and the inbox folder, so the run goes on without Redis – the file being read
    is imported whole, the progress reports stop, and the files after it are imported too (a run that stopped
    there would leave them for the next night). Nothing is half-imported: each delivery is all its rows or
    nothing, and each file ends in archive/. The task's result is lost with Redis (this Redis keeps no data;
    production's does, and a message whose acknowledgement was lost too comes back after the visibility timeout to
    a run that finds nothing left to do). While Redis is down the pages answer, the importer page saying in Swedish
    that the status cannot be fetched. When Redis is back the same worker reconnects by itself and the next run
    imports the next delivery.
    """
    inbox = settings.LAGESBILD_INBOX
    # 15,000 units × 8 rows: the import runs for seconds, so Redis dies inside it (asserted below)
    stor = spor_file(inbox / "1_spor_stor.csv", enheter=15_000, datum="2026-11-19")
    ncr = ncr_file(inbox / "2_ncr.csv", enheter=50)
    lotsen = client_for(Roll.VARDLOTS, "20")
    admin = client_for(Roll.ADMINISTRATOR)
    for client in (lotsen, admin):
        client.raise_request_exception = False
    prefork_worker_on_private_redis()

    from vardformedling.celery import app

    natt = app.send_task("lagesbild.tasks.importera_inkorg", kwargs={"startad_av": "beat"})  # as beat sends it
    stor_pagar = ImportRun.objects.filter(filnamn="1_spor_stor.csv", status=ImportStatus.PAGAR)
    assert wait_for(stor_pagar.exists, timeout=60), "the nightly import never started"
    private_redis.kill()
    assert stor_pagar.exists(), "Redis must die while the big file is being imported for this test to mean anything"

    # Redis is down: the pages answer, quickly; the importer page says the status cannot be fetched
    t = time.monotonic()
    assert lotsen.get("/healthz").status_code == 200
    assert lotsen.get("/lagesbild/").status_code == 200
    assert admin.get("/lagesbild/importer/").status_code == 200
    status = admin.get(f"/lagesbild/importer/?uppgift={natt.id}")
    assert status.status_code == 200
    assert FEL_STATUS_NERE in status.content.decode()
    assert time.monotonic() - t < 30, "pages must not hang on the missing Redis"

    # the run goes on to the last file without Redis
    folders = inkorg.mappar()
    assert wait_for(lambda: not stor_pagar.exists(), timeout=120, step=0.2), "the big file's import never ended"
    ncr_klar = ImportRun.objects.filter(filnamn="2_ncr.csv").exclude(status=ImportStatus.PAGAR)
    assert wait_for(ncr_klar.exists, timeout=30, step=0.2), "the run stopped after the file Redis died under"
    assert private_redis.running is False, "Redis stayed down the whole time"
    assert dict(ImportRun.objects.values_list("filnamn", "status")) == {
        "1_spor_stor.csv": ImportStatus.KLAR,
        "2_ncr.csv": ImportStatus.KLAR,
    }
    spor, ncr_lev = Leverans.objects.get(kalla=Kalla.SPOR), Leverans.objects.get(kalla=Kalla.NCR)
    assert (spor.rader, ncr_lev.rader) == (stor, ncr)
    assert Matvarde.objects.filter(leverans=spor).count() == stor, "the whole delivery, not part of it"
    assert Matvarde.objects.filter(leverans=ncr_lev).count() == ncr
    assert sorted(p.name for p in folders["archive"].iterdir()) == ["1_spor_stor.csv", "2_ncr.csv"]
    assert inkorg.filer_i_inkorgen() == [] and list(folders["processing"].iterdir()) == []

    # Redis is back (empty): the same worker reconnects and the next night's run imports the next delivery
    private_redis.start()
    nasta = spor_file(inbox / "3_spor.csv", enheter=20, datum="2026-11-20")
    nasta_natt = app.send_task("lagesbild.tasks.importera_inkorg", kwargs={"startad_av": "beat"})
    assert wait_for(lambda: task_state(nasta_natt) == "SUCCESS", timeout=90, step=0.2), task_state(nasta_natt)
    assert nasta_natt.result == {
        "filer": 1,
        "inlasta": 1,
        "avvisade": 0,
        "korningar": [nasta_natt.result["korningar"][0]],
    }
    assert ImportRun.objects.get(filnamn="3_spor.csv").status == ImportStatus.KLAR
    ny = Leverans.objects.get(kalla=Kalla.SPOR, uttagsdatum="2026-11-20")
    assert Matvarde.objects.filter(leverans=ny).count() == nasta
    assert Leverans.objects.count() == 3 and ImportRun.objects.count() == 3, "every delivery imported exactly once"
    assert inkorg.filer_i_inkorgen() == []
