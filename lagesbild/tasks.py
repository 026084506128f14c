"""Thin Celery tasks for the lägesbild (the beat schedule in settings names `importera_inkorg`)."""

import logging

from celery import shared_task
from redis.exceptions import RedisError

from lagesbild import gallring, inkorg, prognos
from lagesbild.importers import TILLFALLIGA_FEL

logger = logging.getLogger(__name__)

# What storing progress raises when Redis (the result backend) is gone; Celery's Redis backend wraps the connection
# error in a bare RuntimeError ("Retry limit exceeded") once its retry policy is spent.
PROGRESS_FEL = (RedisError, OSError, RuntimeError)


# A transient fault (the database gone for a moment, a deadlock) stops the run with the file back in the inbox; the
# task runs again after at most 1, 2, 4 and 8 minutes (exponential backoff with jitter), then the next night.
@shared_task(bind=True, autoretry_for=TILLFALLIGA_FEL, max_retries=4, retry_backoff=60, retry_backoff_max=600)
def importera_inkorg(self, startad_av: str = "beat") -> dict:
    """Imports every file in LAGESBILD_INBOX (nightly 02:30, or on demand from /lagesbild/importer/).

    The import itself needs only PostgreSQL and the inbox folder; Redis carries the progress shown on
    /lagesbild/importer/. So when Redis goes away mid-run the progress reports stop (logged once) and the run goes
    on to the last file: every file is imported whole and archived (or rejected) as usual. The task's result is
    lost with Redis; if its late acknowledgement is lost too, a Redis that keeps its data delivers the message again
    after the visibility timeout, and that second run finds the inbox done (files are imported once). A file a dead
    run had claimed is put back by `inkorg.aterstall_avbrutna` (see inkorg.py). A transient fault of the database
    (importers.TILLFALLIGA_FEL) stops the run with the file back in the inbox, and the task is retried."""
    rapportera = not self.request.called_directly and not self.request.is_eager

    def progress(done: int, total: int) -> None:
        nonlocal rapportera
        if not rapportera:
            return
        try:
            self.update_state(state="PROGRESS", meta={"klara": done, "totalt": total})
        except PROGRESS_FEL as exc:
            rapportera = False
            logger.warning("Inkorgsimporten kan inte rapportera förlopp (%s); importen fortsätter", type(exc).__name__)

    results = inkorg.importera_inkorg(startad_av=startad_av, progress=progress)
    return {
        "filer": len(results),
        "inlasta": sum(1 for r in results if r.lyckad),
        "avvisade": sum(1 for r in results if not r.lyckad),
        "korningar": [r.run.pk for r in results],
    }


@shared_task
def gallra_arkiv() -> dict:
    """Removes delivered files older than LAGESBILD_ARKIV_MANADER (default 13) months from archive/ and rejected/
    (nightly 04:15); the import log keeps their checksums (lagesbild.gallring)."""
    return gallring.gallra()


@shared_task
def berakna_prognoser() -> dict:
    """Forecasts for every unit × KVÅ group with monthly medians (nightly 03:30, after the 02:30 register import;
    lagesbild.prognos). The old forecasts stay readable until the new ones replace them in one transaction."""
    resultat = prognos.berakna_alla()
    logger.info("Prognoser: %s serier, %s visas, %s s", resultat["serier"], resultat["visas"], resultat["sekunder"])
    return resultat
