"""Thin Celery tasks of the kernel: the worker ping and the nightly removal of expired sessions."""

from celery import shared_task

from vardformedling.models import Region


@shared_task
def ping() -> dict:
    """Proves a worker can reach the database: used by health checks and the worker test."""
    return {"svar": "pong", "regioner": Region.objects.count()}


@shared_task
def rensa_sessioner() -> int:
    """Deletes expired session rows (SESSION_ENGINE is the database): an idle or signed-out user's session is
    already unusable, this keeps nothing of it on the server. Returns how many rows were removed."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    antal, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return antal
