"""Readers are never locked out of the figures by an import (PostgreSQL, real transactions and connections).

While an import that replaces a delivery is writing, readers in other connections get the previous delivery's
figures at once; at commit they get the new ones; the replaced delivery's partition is dropped after commit, and
if a reader holds the table just then it is left for the next run instead of making readers queue."""

import threading
import time

import pytest
from django.db import connection

from lagesbild import api, bulk
from lagesbild.importers import importera_fil
from lagesbild.models import Leverans
from tests.lagesbild.helpers import NCR_HEADER, ncr_rows, write

pytestmark = pytest.mark.django_db(transaction=True)

SUNDSVALL = "SE2321000206-OGON01"


def _median_sundsvall() -> int:
    """What the pages read (api.vantetider_for_enheter: the newest delivery's partition), waiting at most 1 s."""
    from katalog.models import Vardenhet

    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '1s'")
    try:
        enhet = Vardenhet.objects.get(hsa_id=SUNDSVALL)
        return api.vantetider_for_enheter(kva_kod="CJE", vardenhet_ids=[enhet.pk])[enhet.pk].median_dagar
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


def _partitioner() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass", [bulk.TABELL])
        return {r[0] for r in cursor.fetchall()}


def _hela_tabellen() -> int:
    """A read that names no delivery (an ad hoc report): it scans every partition, the default one too."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '1s'")
        try:
            cursor.execute(f"SELECT count(*) FROM {bulk.TABELL}")  # noqa: S608 - constant
            return cursor.fetchone()[0]
        finally:
            cursor.execute("RESET lock_timeout")


def _import_i_trad(path, monkeypatch, steg: str):
    """Starts the import in a thread with its own connection, held open after `steg` (before commit)."""
    skrivet, slapp = threading.Event(), threading.Event()
    verklig = getattr(bulk, steg)
    resultat = []

    def hall_kvar(*args, **kwargs):
        verklig(*args, **kwargs)
        skrivet.set()
        assert slapp.wait(60)

    monkeypatch.setattr(bulk, steg, hall_kvar)

    def kor():
        try:
            resultat.append(importera_fil(path, startad_av="kommando"))
        finally:
            skrivet.set()
            connection.close()

    trad = threading.Thread(target=kor)
    trad.start()
    assert skrivet.wait(60)
    return trad, slapp, resultat


@pytest.mark.parametrize("datum", ["2026-11-20", "2026-11-21"], ids=["same-date", "newer-date"])
@pytest.mark.parametrize("steg", ["copy_till_tabell", "skriv_partition"], ids=["after-copy", "after-attach"])
def test_readers_get_the_previous_figures_while_a_replacing_import_writes_and_the_new_ones_after(
    tmp_path, monkeypatch, datum, steg
):
    assert bulk.partitionerad(), "the figure table is partitioned on PostgreSQL"
    assert importera_fil(write(tmp_path, "a.csv", NCR_HEADER, ncr_rows()), startad_av="kommando").lyckad
    gammal = Leverans.objects.get()
    rows = [r.replace(";310;164;", ";311;150;") for r in ncr_rows(datum)]
    trad, slapp, resultat = _import_i_trad(write(tmp_path, "b.csv", NCR_HEADER, rows), monkeypatch, steg)
    try:
        assert _median_sundsvall() == 164  # the previous delivery, not blocked by the import's write
        if steg == "copy_till_tabell":  # the long part of the write: not even a whole-table read waits
            assert _hela_tabellen() == len(ncr_rows())
    finally:
        slapp.set()
        trad.join(60)
    assert resultat and resultat[0].lyckad, resultat and resultat[0].run.meddelande
    assert _median_sundsvall() == 150
    assert f"{bulk.TABELL}_l{gammal.pk}" not in _partitioner()  # dropped after commit


def test_a_reader_holding_the_table_does_not_hold_up_the_import_and_the_old_partition_goes_next_time(
    tmp_path, monkeypatch
):
    assert importera_fil(write(tmp_path, "a.csv", NCR_HEADER, ncr_rows()), startad_av="kommando").lyckad
    gammal = Leverans.objects.get()
    monkeypatch.setattr(bulk, "LASVANTAN", "50ms")
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:  # a long report reading the current delivery
        cursor.execute(f"SELECT count(*) FROM {bulk.TABELL} WHERE leverans_id = %s", [gammal.pk])  # noqa: S608
        start = time.monotonic()
        trad = threading.Thread(
            target=lambda: (
                importera_fil(write(tmp_path, "b.csv", NCR_HEADER, ncr_rows("2026-11-21")), startad_av="kommando"),
                connection.close(),
            )
        )
        trad.start()
        trad.join(60)
        assert time.monotonic() - start < 20
    assert Leverans.objects.latest("uttagsdatum").uttagsdatum.isoformat() == "2026-11-21"
    assert f"{bulk.TABELL}_l{gammal.pk}" in _partitioner()  # in use when the import finished: left for later
    assert bulk.stada_partitioner() == 1
    assert f"{bulk.TABELL}_l{gammal.pk}" not in _partitioner()
