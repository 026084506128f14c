"""A run that died mid-import: its claimed file goes back to the inbox and its run is marked failed, but only once
the claim is older than settings.LAGESBILD_HANGANDE_EFTER (a live run's claim is left alone)."""

import os
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from lagesbild import inkorg
from lagesbild.models import ImportRun, ImportStatus
from tests.lagesbild.helpers import SPOR_HEADER, spor_rows, write

pytestmark = pytest.mark.django_db


def claim(settings, name: str, age_s: float):
    path = write(settings.LAGESBILD_INBOX, name, SPOR_HEADER, spor_rows())
    claimed = inkorg.mappar()["processing"] / f"{uuid.uuid4().hex}_{name}"
    path.rename(claimed)
    then = time.time() - age_s
    os.utime(claimed, (then, then))
    return claimed


def test_a_fresh_claim_of_a_running_import_is_left_alone(settings):
    claimed = claim(settings, "spor.csv", age_s=60)
    run = ImportRun.objects.create(filnamn="spor.csv", startad_av="beat")
    assert inkorg.aterstall_avbrutna() == 0
    assert claimed.exists()
    assert ImportRun.objects.get(pk=run.pk).status == ImportStatus.PAGAR


def test_an_old_claim_goes_back_under_its_own_name_and_the_dead_run_says_so_in_swedish(settings):
    settings.LAGESBILD_HANGANDE_EFTER = timedelta(minutes=5)
    claimed = claim(settings, "spor_20261120.csv", age_s=600)
    run = ImportRun.objects.create(filnamn="spor_20261120.csv", startad_av="beat")
    ImportRun.objects.filter(pk=run.pk).update(startad=timezone.now() - timedelta(minutes=10))

    assert inkorg.aterstall_avbrutna() == 1
    assert not claimed.exists()
    assert [p.name for p in inkorg.filer_i_inkorgen()] == ["spor_20261120.csv"]
    run.refresh_from_db()
    assert run.status == ImportStatus.MISSLYCKAD
    assert "läses in igen vid nästa körning" in run.meddelande


def test_a_put_back_file_never_overwrites_a_new_delivery_with_the_same_name(settings):
    claim(settings, "spor.csv", age_s=2 * 3600)
    write(settings.LAGESBILD_INBOX, "spor.csv", SPOR_HEADER, spor_rows("2026-11-21"))
    inkorg.aterstall_avbrutna()
    names = [p.name for p in inkorg.filer_i_inkorgen()]
    assert len(names) == 2 and "spor.csv" in names


def test_a_claim_is_dated_when_it_is_made_not_when_the_file_was_delivered(settings, monkeypatch):
    path = write(settings.LAGESBILD_INBOX, "spor.csv", SPOR_HEADER, spor_rows())
    old = time.time() - 3 * 3600  # delivered hours ago, imported now
    os.utime(path, (old, old))
    seen = []
    real = inkorg.importera_fil

    def spy(claimed, **kw):
        seen.append(time.time() - claimed.stat().st_mtime)
        return real(claimed, **kw)

    monkeypatch.setattr(inkorg, "importera_fil", spy)
    inkorg.importera_inkorgsfil(path, startad_av="beat")
    assert seen and seen[0] < 60
