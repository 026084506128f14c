"""Thin Celery tasks for large agreement uploads: take the upload id, call the service."""

from celery import shared_task

from avtal.uppladdning import uppladdning_tillampa, uppladdning_validera


@shared_task
def validera_uppladdning(uppladdning_id: int) -> str:
    return uppladdning_validera(uppladdning_id=uppladdning_id).status


@shared_task
def tillampa_uppladdning(uppladdning_id: int) -> str:
    return uppladdning_tillampa(uppladdning_id=uppladdning_id).status
