"""Fast bulk writes of figure rows (Matvarde) on PostgreSQL: binary COPY from coded columns, one partition per
delivery (see migration 0003).

Rule: the importer has validated every row before it gets here; this module only moves clean rows quickly.
Columns arrive as codes into their distinct values (validering.Kolumn), so each distinct value is encoded once.
Rows whose fields have the same byte widths form a fixed-width record type; each such group is assembled with
NumPy as an array of records (one gather per column) – no per-row Python.
"""

import logging
import struct
import time

import numpy as np
import pandas as pd
from django.db import DatabaseError, connection, transaction

from lagesbild.validering import Kolumn

logger = logging.getLogger(__name__)

TABELL = "lagesbild_matvarde"
ANALYS_KOLUMNER = ("leverans_id", "kva_id", "matperiod", "urval", "vardenhet_id", "region_id")


def _stabil_ordning(nyckel: np.ndarray) -> np.ndarray:
    """Positions that sort `nyckel` (ints), equal keys in row order: a radix sort once the keys are ranked."""
    if len(nyckel) and nyckel.min() >= 0 and nyckel.max() < 1 << 16:  # small keys already are ranks
        return np.argsort(nyckel.astype(np.uint16), kind="stable")
    rang, unika = pd.factorize(nyckel, sort=True)
    return np.argsort(rang.astype(np.uint16 if len(unika) <= 1 << 16 else np.int64), kind="stable")


def ordning_for_index(*nycklar: Kolumn) -> np.ndarray:
    """Row positions sorted by the values of `nycklar` (most significant first): the table view's BRIN index is
    on (kva, period, urval), and rows read together should sit in the same pages so the index skips the rest."""
    nyckel = np.zeros(len(nycklar[0]), dtype=np.int64)
    for kol in nycklar:
        rang = np.empty(len(kol.varden) + 1, dtype=np.int64)
        rang[sorted(range(len(kol.varden)), key=lambda i: str(kol.varden[i]))] = np.arange(len(kol.varden))
        rang[-1] = -1  # a missing value (code -1) sorts first
        nyckel *= len(kol.varden) + 1
        nyckel += rang[kol.koder] + 1
    return _stabil_ordning(nyckel)


# Binary COPY (PostgreSQL's own row format): the server parses no text at all.
BINAR_TYPER = {
    "leverans_id": ">q",
    "region_id": None,  # text
    "vardenhet_id": ">q",
    "kva_id": None,
    "matperiod": None,
    "urval": None,
    "antal": ">i",
    "undertryckt": ">?",
    "median": ">i",
    "p90": ">i",
    "andel_inom_90": ">d",
    "andel_asa_3_4": ">d",
}
_BINAR_HUVUD = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_BINAR_NULL = struct.pack(">i", -1)
_BINAR_SLUT = struct.pack(">h", -1)


def _binart_falt(value, format_: str | None) -> bytes:
    """One field: its length and its bytes, or length -1 for NULL (None, NaN, pandas NA)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return _BINAR_NULL
    if format_ is None:
        data = str(value).encode()
    elif format_ == ">d":
        data = struct.pack(format_, float(value))
    elif format_ == ">?":
        data = struct.pack(format_, bool(value))
    else:
        data = struct.pack(format_, int(value))
    return struct.pack(">i", len(data)) + data


class _Falt:
    """A column's distinct values encoded once, as one fixed-width table per field width that occurs."""

    def __init__(self, namn: str, kol: Kolumn):
        kodade = [_binart_falt(v, BINAR_TYPER[namn]) for v in kol.varden] + [_BINAR_NULL]  # code -1 → the last
        self.namn, self.koder = namn, kol.koder
        self.langd = np.array([len(k) for k in kodade], dtype=np.int64)
        self.bredder = np.unique(self.langd)
        self.tabell = {
            int(b): np.frombuffer(b"".join(k.ljust(b, b"\0")[:b] for k in kodade), dtype=f"V{b}") for b in self.bredder
        }


def copy_binar(kolumner: dict[str, Kolumn], forsta_id: int, ordning: np.ndarray, per_bit: int = 50_000):
    """Binary COPY data for the columns (id, *kolumner): ids forsta_id, forsta_id+1, … in the order written.

    Rows are written grouped by record layout (the byte width of every field: NULL or not, text length) and,
    within a group, in `ordning`. Each group is an array of fixed-width records, filled column by column."""
    falt = [_Falt(namn, kol) for namn, kol in kolumner.items()]
    layout = np.zeros(len(ordning), dtype=np.int64)
    for f in falt:
        if len(f.bredder) > 1:
            layout *= len(f.bredder)
            layout += np.searchsorted(f.bredder, f.langd)[f.koder]
    layout = layout[ordning]
    i_ordning = _stabil_ordning(layout)
    rader = ordning[i_ordning]
    layout = layout[i_ordning]
    borjan = np.flatnonzero(np.diff(layout, prepend=-1))
    slut = np.append(borjan[1:], len(rader))
    yield _BINAR_HUVUD
    for a, b in zip(borjan.tolist(), slut.tolist(), strict=True):
        forsta_rad = rader[a]
        bredd = [int(f.langd[f.koder[forsta_rad]]) for f in falt]
        post = np.dtype(
            [("antal_falt", ">i2"), ("id_langd", ">i4"), ("id", ">i8")]
            + [(f.namn, f"V{w}") for f, w in zip(falt, bredd, strict=True)]
        )
        for start in range(a, b, per_bit):
            stopp = min(b, start + per_bit)
            bit = rader[start:stopp]
            ut = np.empty(len(bit), dtype=post)
            ut["antal_falt"] = 1 + len(falt)
            ut["id_langd"] = 8
            ut["id"] = np.arange(forsta_id + start, forsta_id + stopp, dtype=np.int64)
            for f, w in zip(falt, bredd, strict=True):
                ut[f.namn] = f.tabell[w][f.koder[bit]]
            yield ut.view(np.uint8).data  # a memoryview of the rows
    yield _BINAR_SLUT


# The key of the register write lock (an advisory lock: any constant no other lock in the project uses).
REGISTERSKRIVNING = 0x5646_4C42


def las_registerskrivning() -> None:
    """Takes the register write lock (held to commit, PostgreSQL only): register imports write one at a time.

    Taken FIRST in the import's write transaction, before any lock on the figure table. Without it two imports
    deadlock: each DELETEs from the DEFAULT partition (rensa_standardpartition: ROW EXCLUSIVE on it), then waits in
    reservera_id for SHARE ROW EXCLUSIVE on the whole table, which the other's ROW EXCLUSIVE blocks. Readers take
    no advisory lock and are not held up."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REGISTERSKRIVNING])


def reservera_id(antal: int) -> int:
    """Reserves `antal` consecutive ids of the figure table's sequence; returns the first.

    The table lock (held to commit, readers unaffected) keeps any other writer from drawing ids in between. An
    import takes it after las_registerskrivning, so two imports never wait for each other here."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABELL} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABELL])
        sekvens = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sekvens])
        forsta = cursor.fetchone()[0]
        if antal > 1:
            cursor.execute("SELECT setval(%s, %s)", [sekvens, forsta + antal - 1])
    return forsta


def partitionerad() -> bool:
    """True when the figure table is LIST-partitioned by delivery (PostgreSQL after migration 0003)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [TABELL])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def _partition(leverans_id: int) -> str:
    return f"{TABELL}_l{int(leverans_id)}"


def rensa_standardpartition(leverans_ids) -> None:
    """Deletes these deliveries' rows from the DEFAULT partition (rows the ORM inserted; a few at most). Inside the
    import's transaction: row locks only, readers keep reading."""
    ids = [int(i) for i in leverans_ids]
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABELL}_standard WHERE leverans_id = ANY(%s)", [ids])  # noqa: S608 - constant


# Dropping a partition takes an ACCESS EXCLUSIVE lock on the whole figure table, and readers queue behind a DROP
# that waits for its lock. So a DROP waits at most this long, and a partition still in use is left for next time.
LASVANTAN = "200ms"
FORSOK = 3


def stada_partitioner(*, lasvantan: str | None = None, forsok: int = FORSOK) -> int:
    """Drops the delivery partitions no reader uses any more: those whose Leverans row is gone (replaced by a file
    for the same date, or deleted by hand) and those of a delivery that is not the newest of its source (pages read
    the newest only). Returns how many were dropped.

    Run AFTER the import's commit (transaction.on_commit) and at the start of the next import, never inside the
    import's own transaction: each DROP runs in a transaction of its own with a `lock_timeout`, so readers wait at
    most that long behind it; a partition whose lock cannot be had is tried again a little later, then left for
    the next run (readers do not see it: they read the newest delivery's partition only)."""
    lasvantan = lasvantan or LASVANTAN
    dropped = 0
    for forsok_nr in range(forsok):
        kvar = []
        for namn in _overgivna_partitioner():
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [lasvantan])
                    cursor.execute(f'DROP TABLE IF EXISTS "{namn}"')
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", ["0"])
                dropped += 1
            except DatabaseError:
                # lock_timeout (a reader or another import holds the table just now), or another import's clean-up
                # dropped this partition between our listing and our DROP ("could not find tuple for parent of
                # relation"): list again and retry; what is gone is no longer listed.
                kvar.append(namn)
        if not kvar:
            break
        if forsok_nr + 1 < forsok:
            time.sleep(0.5)
        else:
            logger.info("%d gamla leveranspartitioner tas bort vid nästa import (tabellen var upptagen).", len(kvar))
    return dropped


def _overgivna_partitioner() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass AND c.relname ~ '_l[0-9]+$' "
            "AND NOT EXISTS (SELECT 1 FROM lagesbild_leverans l "
            "WHERE l.id = substring(c.relname from '_l([0-9]+)$')::bigint "
            "AND NOT EXISTS (SELECT 1 FROM lagesbild_leverans n "
            "WHERE n.kalla = l.kalla AND n.uttagsdatum > l.uttagsdatum))",
            [TABELL],
        )
        return [r[0] for r in cursor.fetchall()]


def copy_till_tabell(bitar, kolumner: list[str], tabell: str = TABELL, *, frys: bool = False) -> None:
    """Binary COPY of the pieces into `tabell`. `frys`: the table was created in this (sub)transaction, so rows
    can be written frozen (no later hint-bit rewrite or freeze vacuum).

    A queued writer sends from its own thread, so PostgreSQL ingests one piece while Python builds the next."""
    from psycopg.copy import QueuedLibpqWriter  # PostgreSQL only; SQLite runs never get here

    val = ", ".join(["FORMAT binary", *(["FREEZE"] if frys else [])])
    sql = f"COPY {tabell} ({', '.join(kolumner)}) FROM STDIN WITH ({val})"
    with connection.cursor() as cursor:
        pg_cursor = cursor.cursor
        with pg_cursor.copy(sql, writer=QueuedLibpqWriter(pg_cursor)) as cp:
            for bit in bitar:
                cp.write(bit)


def skriv_partition(leverans_id: int, bitar, kolumner: list[str]) -> None:
    """COPY one delivery into its own unindexed table, build the indexes and statistics once, then attach it as a
    partition – the last step before the caller commits.

    Inside the caller's transaction, and readers of the figure table are not held up: the new table is invisible
    to them until commit, and ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on the parent (PostgreSQL ≥ 12),
    which SELECTs do not wait for. ATTACH does take ACCESS EXCLUSIVE on the DEFAULT partition (it must check that
    no row there belongs to the new one); queries that name their deliveries (every page: leverans_id IN …) are
    pruned to the delivery partitions and never touch it, and the others wait only from ATTACH to commit, a
    moment, since ATTACH comes last. (Dropping the previous delivery's partition would lock out every reader:
    see stada_partitioner, run after commit.)
    """
    namn = _partition(leverans_id)
    lid = int(leverans_id)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")  # a crash loses the run, never half a delivery
        cursor.execute(f"DROP TABLE IF EXISTS {namn}")
        cursor.execute(f"CREATE TABLE {namn} (LIKE {TABELL} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        # The partition's own constraint, checked row by row during COPY, lets ATTACH skip its full-table scan.
        cursor.execute(f"ALTER TABLE {namn} ADD CONSTRAINT {namn}_leverans CHECK (leverans_id = {lid})")
    copy_till_tabell(bitar, kolumner, namn, frys=True)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Must match the parent's indexes (migrations 0003-0005) so ATTACH adopts them instead of building new.
        cursor.execute(f"CREATE INDEX ON {namn} USING brin (kva_id, matperiod, urval) WITH (pages_per_range = 16)")
        cursor.execute(f"CREATE INDEX ON {namn} (vardenhet_id)")
        # Fresh statistics, or the planner guesses "1 row", picks the wrong index and even JIT-compiles the query.
        # Only the filtered columns, from a smaller sample: they are low-cardinality (units, KVÅ, periods, urval),
        # so 9,000 rows estimate them as well as 30,000 would, at a third of the cost. Taken on the table before
        # ATTACH: the statistics belong to the table and stay with it.
        cursor.execute("SET LOCAL default_statistics_target = 30")
        cursor.execute(f"ANALYZE {namn} ({', '.join(ANALYS_KOLUMNER)})")
        cursor.execute(f"ALTER TABLE {TABELL} ATTACH PARTITION {namn} FOR VALUES IN ({lid})")
        cursor.execute(f"ALTER TABLE {namn} DROP CONSTRAINT {namn}_leverans")  # the partition bound says the same
