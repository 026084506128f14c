"""The Celery app. Tasks are thin: they take ids and call services (STYLE.md)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vardformedling.settings")

app = Celery("vardformedling")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ko_for_uppgift(name, args, kwargs, options, task=None, **kw):
    """Celery router (CELERY_TASK_ROUTES): the register imports to CELERY_IMPORT_QUEUE, read when the task is sent;
    everything else to the default queue."""
    from django.conf import settings

    if name in settings.CELERY_IMPORT_TASKS:
        return {"queue": settings.CELERY_IMPORT_QUEUE}
    return None
