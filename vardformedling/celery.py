"""The Celery app. Tasks are thin: they take ids and call services (STYLE.md)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vardformedling.settings")

app = Celery("vardformedling")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
