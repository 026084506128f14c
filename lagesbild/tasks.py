"""Thin Celery tasks for the lägesbild (the beat schedule in settings names `importera_inkorg`)."""

from celery import shared_task

from lagesbild import inkorg


@shared_task(bind=True)
def importera_inkorg(self, startad_av: str = "beat") -> dict:
    """Imports every file in LAGESBILD_INBOX (nightly 02:30, or on demand from /lagesbild/importer/)."""

    def progress(done: int, total: int) -> None:
        if not self.request.called_directly and not self.request.is_eager:
            self.update_state(state="PROGRESS", meta={"klara": done, "totalt": total})

    results = inkorg.importera_inkorg(startad_av=startad_av, progress=progress)
    return {
        "filer": len(results),
        "inlasta": sum(1 for r in results if r.lyckad),
        "avvisade": sum(1 for r in results if not r.lyckad),
        "korningar": [r.run.pk for r in results],
    }
