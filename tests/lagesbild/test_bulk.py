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


def test_binary_copy_stores_every_value_null_and_non_ascii_code_exactly():
    if not bulk.partitionerad():
        pytest.skip("binary COPY into a delivery partition is PostgreSQL only")
    lev = Leverans.objects.create(kalla="SPOR", uttagsdatum=date(2026, 11, 20), checksumma="x")
    rader = pd.DataFrame(
        {
            "leverans_id": [lev.pk, lev.pk, lev.pk],
            "region_id": ["03", None, "20"],
            "vardenhet_id": pd.array([41, None, 7], dtype="Int64"),
            "kva_id": ["ÅÄÖ", "NGB", "CJE"],
            "matperiod": ["2026-10", "30d", "365d"],
            "urval": ["alla", "inom_2v", "over_6m"],
            "antal": pd.array([12, None, 3_000_000], dtype="Int64"),
            "undertryckt": [False, True, False],
            "median": pd.array([40, None, 0], dtype="Int64"),
            "p90": pd.array([80, None, 1], dtype="Int64"),
            "andel_inom_90": pd.array([12.5, None, 100.0], dtype="Float64"),
            "andel_asa_3_4": pd.array([None, None, 0.1], dtype="Float64"),
        }
    )
    forsta = bulk.reservera_id(len(rader))
    ordning = bulk.ordning_for_index(rader)
    bulk.skriv_partition(lev.pk, bulk.copy_binar(rader, forsta, ordning, per_bit=2), ["id", *rader.columns], binar=True)
    falt = ["region_id", "vardenhet_id", "kva_id", "matperiod", "urval", "antal", "undertryckt", "median", "p90"]
    sparade = {
        r["kva_id"]: r
        for r in Matvarde.objects.filter(leverans=lev).values("id", *falt, "andel_inom_90", "andel_asa_3_4")
    }
    assert sorted(r["id"] for r in sparade.values()) == [forsta, forsta + 1, forsta + 2]
    assert sparade["ÅÄÖ"] | {"id": 0} == {
        "id": 0,
        "region_id": "03",
        "vardenhet_id": 41,
        "kva_id": "ÅÄÖ",
        "matperiod": "2026-10",
        "urval": "alla",
        "antal": 12,
        "undertryckt": False,
        "median": 40,
        "p90": 80,
        "andel_inom_90": 12.5,
        "andel_asa_3_4": None,
    }
    assert sparade["NGB"] | {"id": 0} == {
        "id": 0,
        "region_id": None,
        "vardenhet_id": None,
        "kva_id": "NGB",
        "matperiod": "30d",
        "urval": "inom_2v",
        "antal": None,
        "undertryckt": True,
        "median": None,
        "p90": None,
        "andel_inom_90": None,
        "andel_asa_3_4": None,
    }
    assert (sparade["CJE"]["antal"], sparade["CJE"]["andel_inom_90"], sparade["CJE"]["andel_asa_3_4"]) == (
        3_000_000,
        100.0,
        0.1,
    )
