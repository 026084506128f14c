"""The monthly report task (settings.CELERY_BEAT_SCHEDULE), found by the worker's autodiscovery like every app's."""

from celery import shared_task


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def skapa_manadsrapporter(manad: str | None = None) -> list[str]:
    """Writes one CSV and one XLSX per region for `manad` (YYYY-MM; default the previous month)."""
    from uppfoljning import reports

    return [p.name for p in reports.skapa_manadsrapporter(manad=manad)]
