"""Bulk write path: COPY text formatting and one partition per delivery on PostgreSQL."""

from datetime import date

import pandas as pd
import pytest
from django.db import connection

from lagesbild import bulk
from lagesbild.importers import importera_fil
from lagesbild.models import Leverans, Matvarde
from tests.lagesbild.helpers import NCR_HEADER, ncr_rows, write

pytestmark = pytest.mark.django_db


def test_copy_text_writes_null_for_missing_values_and_escapes_tabs():
    rader = pd.DataFrame(
        {
            "namn": ["a\tb", "c"],
            "antal": pd.array([5, None], dtype="Int64"),
            "andel": pd.array([12.5, None], dtype="Float64"),
            "undertryckt": [False, True],
        }
    )
    assert bulk.copy_text(rader, {"leverans_id": 7}) == "7\ta\\tb\t5\t12.5\tf\n7\tc\t\\N\t\\N\tt\n"


def _partitioner() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass", [bulk.TABELL])
        return {r[0] for r in cursor.fetchall()}


def test_a_newer_delivery_replaces_the_older_ones_rows_and_partition(tmp_path):
    forsta = importera_fil(write(tmp_path, "a.csv", NCR_HEADER, ncr_rows("2026-11-20")), startad_av="kommando")
    andra = importera_fil(write(tmp_path, "b.csv", NCR_HEADER, ncr_rows("2026-11-21")), startad_av="kommando")
    assert forsta.lyckad and andra.lyckad
    ny = Leverans.objects.get(uttagsdatum=date(2026, 11, 21))
    assert set(Matvarde.objects.values_list("leverans_id", flat=True)) == {ny.pk}
    assert Matvarde.objects.count() == len(ncr_rows())
    if bulk.partitionerad():
        gammal = Leverans.objects.get(uttagsdatum=date(2026, 11, 20))
        assert f"{bulk.TABELL}_l{ny.pk}" in _partitioner()
        assert f"{bulk.TABELL}_l{gammal.pk}" not in _partitioner()
