"""Thin Celery tasks for cases (names are in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def skapa_paminnelser() -> int:
    """Reminder notes for offers past their answer deadline."""
    from arenden.services.paminnelser import paminnelser_skapa

    return paminnelser_skapa()
