"""The monthly report task. Its name is the one in settings.CELERY_BEAT_SCHEDULE (arenden.tasks imports it)."""

from celery import shared_task


@shared_task(name="arenden.tasks.skapa_manadsrapporter", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def skapa_manadsrapporter(manad: str | None = None) -> list[str]:
    """Writes one CSV and one XLSX per region for `manad` (YYYY-MM; default the previous month)."""
    from arenden.uppfoljning import reports

    return [p.name for p in reports.skapa_manadsrapporter(manad=manad)]
