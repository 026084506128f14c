"""Thin Celery tasks for cases (names are in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def skapa_paminnelser() -> int:
    """Reminder notes for offers past their answer deadline."""
    from arenden.services.paminnelser import paminnelser_skapa

    return paminnelser_skapa()


@shared_task
def gallra_identiteter() -> int:
    """Nightly crypto-shredding of identity in closed cases past their region's retention (issue 16 point 5)."""
    from arenden.services.gallring import gallra_forfallna

    return len(gallra_forfallna())
