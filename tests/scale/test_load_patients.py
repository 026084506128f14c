"""The load test registers patients from bench/load/pnr.py: valid numbers that never meet seed or demo patients."""

import importlib.util
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from vardformedling.personnummer import make_test_number, normalise

PNR_PY = Path(__file__).resolve().parents[2] / "bench" / "load" / "pnr.py"
spec = importlib.util.spec_from_file_location("bench_load_pnr", PNR_PY)
pnr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pnr)


@pytest.mark.parametrize("nr", [0, 1, 999, 1000, 59_999, 123_456, 7_654_321, 21_000_000])
def test_every_load_test_patient_is_a_valid_samordningsnummer_that_maps_back_to_its_number(nr):
    normaliserat = normalise(pnr.samordningsnummer(nr))

    assert int(normaliserat[6:8]) > 60
    assert pnr.nummer(normaliserat) == nr


def test_load_test_patients_are_all_different():
    nummer = [pnr.samordningsnummer(nr) for nr in range(0, 3_000_000, 7)]

    assert len(set(nummer)) == len(nummer)


def test_seed_and_demo_personnummer_are_outside_the_load_test_series():
    seed = [make_test_number(1930 + i % 60, 1 + i % 12, 1 + i % 28, 900 + i % 100) for i in range(500)]
    demo = [make_test_number(1950 + i % 40, 1 + i % 12, 1 + i % 28, 100 + i) for i in range(500)]

    assert [p for p in seed + demo if pnr.nummer(p) is not None] == []


def test_a_wrong_check_digit_in_the_series_would_be_refused():
    giltigt = pnr.samordningsnummer(4242)
    fel = giltigt[:-1] + str((int(giltigt[-1]) + 1) % 10)

    with pytest.raises(ValidationError):
        normalise(fel)
