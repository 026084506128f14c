"""Thin Celery tasks for cases (names are in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def skapa_paminnelser() -> int:
    """Reminder notes for offers past their answer deadline."""
    from arenden.services.paminnelser import paminnelser_skapa

    return paminnelser_skapa()


# The monthly follow-up report task lives with the follow-up statistics; importing it here registers the name
# `arenden.tasks.skapa_manadsrapporter` used by the beat schedule when the worker autodiscovers this module.
try:
    from arenden.uppfoljning.tasks import skapa_manadsrapporter  # noqa: F401
except ModuleNotFoundError as exc:  # pragma: no cover – only while the follow-up package is absent
    if exc.name not in ("arenden.uppfoljning", "arenden.uppfoljning.tasks"):
        raise
