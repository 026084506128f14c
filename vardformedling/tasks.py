from celery import shared_task

from vardformedling.models import Region


@shared_task
def ping() -> dict:
    """Proves a worker can reach the database: used by health checks and the worker test."""
    return {"svar": "pong", "regioner": Region.objects.count()}
