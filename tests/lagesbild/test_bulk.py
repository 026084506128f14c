"""Bulk write path: binary COPY from coded columns and one partition per delivery on PostgreSQL."""

from collections import Counter
from datetime import date

import numpy as np
import pytest
from django.db import connection

from lagesbild import bulk
from lagesbild.importers import importera_fil
from lagesbild.models import Leverans, Matvarde
from lagesbild.validering import Kolumn
from tests.lagesbild.helpers import NCR_HEADER, ncr_rows, write

pytestmark = pytest.mark.django_db


def _kolumn(varden: list) -> Kolumn:
    """A coded column with one distinct value per row (the writer must not rely on values being unique)."""
    return Kolumn(np.arange(len(varden)), np.array(varden, dtype=object))


def _partitioner() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass", [bulk.TABELL])
        return {r[0] for r in cursor.fetchall()}


def test_a_newer_delivery_replaces_the_older_ones_rows_and_partition(tmp_path, django_capture_on_commit_callbacks):
    forsta = importera_fil(write(tmp_path, "a.csv", NCR_HEADER, ncr_rows("2026-11-20")), startad_av="kommando")
    with django_capture_on_commit_callbacks(execute=True):  # the old partition is dropped after commit
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
    rader = {
        "leverans_id": _kolumn([lev.pk, lev.pk, lev.pk]),
        "region_id": _kolumn(["03", None, "20"]),
        "vardenhet_id": _kolumn([41, None, 7]),
        "kva_id": _kolumn(["ÅÄÖ", "NGB", "CJE"]),
        "matperiod": _kolumn(["2026-10", "30d", "365d"]),
        "urval": _kolumn(["alla", "inom_2v", "over_6m"]),
        "antal": _kolumn([12.0, np.nan, 3_000_000.0]),
        "undertryckt": _kolumn([False, True, False]),
        "median": _kolumn([40.0, np.nan, 0.0]),
        "p90": _kolumn([80.0, np.nan, 1.0]),
        "andel_inom_90": _kolumn([12.5, np.nan, 100.0]),
        "andel_asa_3_4": _kolumn([np.nan, np.nan, 0.1]),
    }
    forsta = bulk.reservera_id(3)
    ordning = bulk.ordning_for_index(rader["kva_id"], rader["matperiod"], rader["urval"])
    bulk.skriv_partition(lev.pk, bulk.copy_binar(rader, forsta, ordning, per_bit=2), ["id", *rader])
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


def test_binary_copy_of_many_rows_with_mixed_nulls_and_text_widths_reads_back_exactly():
    """Rows are written grouped by field layout; every row must come back with its own values and one id each."""
    if not bulk.partitionerad():
        pytest.skip("binary COPY into a delivery partition is PostgreSQL only")
    lev = Leverans.objects.create(kalla="SPOR", uttagsdatum=date(2026, 11, 20), checksumma="y")
    rng = np.random.default_rng(7)
    n = 700
    regioner = np.array(["01", "20", None], dtype=object)
    enheter = np.array([11, 12, 13, None], dtype=object)
    kva = np.array(["NGB", "ÅÄÖ", "CJE"], dtype=object)
    perioder = np.array(["30d", "365d", "2026-01", "2025-12"], dtype=object)
    urval = np.array(["alla", "inom_2v", "over_6m", "lokal"], dtype=object)
    tal = np.array([0.0, 7.0, 250.0, np.nan])
    andel = np.array([0.5, 99.9, np.nan])

    def slump(varden):
        return Kolumn(rng.integers(0, len(varden), n), varden)

    rader = {
        "leverans_id": Kolumn.konstant(lev.pk, n),
        "region_id": slump(regioner),
        "vardenhet_id": slump(enheter),
        "kva_id": slump(kva),
        "matperiod": slump(perioder),
        "urval": slump(urval),
        "antal": slump(tal),
        "undertryckt": slump(np.array([False, True], dtype=object)),
        "median": slump(tal),
        "p90": slump(tal),
        "andel_inom_90": slump(andel),
        "andel_asa_3_4": slump(andel),
    }
    forsta = bulk.reservera_id(n)
    ordning = bulk.ordning_for_index(rader["kva_id"], rader["matperiod"], rader["urval"])
    bulk.skriv_partition(lev.pk, bulk.copy_binar(rader, forsta, ordning, per_bit=64), ["id", *rader])

    def varde(v):
        if v is None or (isinstance(v, float) and v != v):
            return None
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v

    namn = [k for k in rader if k != "leverans_id"]
    skrivna = Counter(tuple(varde(rader[k].varden[rader[k].koder[i]]) for k in namn) for i in range(n))
    lasta = list(Matvarde.objects.filter(leverans=lev).values_list("id", *namn))
    assert Counter(tuple(varde(v) for v in r[1:]) for r in lasta) == skrivna
    assert sorted(r[0] for r in lasta) == list(range(forsta, forsta + n))
