"""The load test's first patient number (bench/load/run.py) is found from the pseudonymous case record alone."""

import importlib.util
from pathlib import Path

import pytest

from arenden.models import Arende

RUN_PY = Path(__file__).resolve().parents[2] / "bench" / "load" / "run.py"
spec = importlib.util.spec_from_file_location("bench_load_run", RUN_PY)
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)


@pytest.mark.django_db
def test_a_load_test_run_starts_past_every_number_an_earlier_run_registered(registrera):
    # The earlier version read Arende.personnummer, which issue 16 removed: make load-test stopped at its start.
    forsta = run.nasta_samordningsnummer(Arende.objects.all())
    # An earlier run started at `forsta` and registered three patients, the last one with an attempt lost on the way.
    for _ in range(3):
        registrera()
    anvanda = [forsta, forsta + 1, forsta + 3]

    assert run.nasta_samordningsnummer(Arende.objects.all()) > max(anvanda)
