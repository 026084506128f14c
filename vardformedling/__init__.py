"""The kernel package: settings, URLs, the Celery app (loaded here so shared_task binds to it), login, permissions."""

from vardformedling.celery import app as celery_app

__all__ = ["celery_app"]
