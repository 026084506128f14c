"""Fast bulk writes of figure rows (Matvarde) on PostgreSQL: COPY text built per distinct value, one partition
per delivery (see migration 0003).

Rule: the importer has validated every row before it gets here; this module only moves clean rows quickly.
Columns are low-cardinality (units, KVÅ groups, periods, small counts), so each column is formatted once per
distinct value and the rows are assembled with C-level joins – no per-row Python formatting.
"""

import struct
from itertools import repeat

import numpy as np
import pandas as pd
from django.db import connection

TABELL = "lagesbild_matvarde"
ANALYS_KOLUMNER = ("leverans_id", "kva_id", "matperiod", "urval", "vardenhet_id", "region_id")
NULL = "\\N"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _format(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "t" if value else "f"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return _escape(str(value))


def _kolumn_text(serie: pd.Series) -> np.ndarray:
    """The column as COPY text values (object array), formatting each distinct value once; NA → \\N."""
    codes, uniques = pd.factorize(serie, use_na_sentinel=True)
    texter = np.array([_format(u) for u in uniques] + [NULL], dtype=object)
    return texter[codes]  # code -1 (NA) picks the trailing \N


def copy_bitar(rader: pd.DataFrame, konstanter: dict[str, object], per_bit: int = 50_000):
    """Tab-separated COPY text for `konstanter` (same value on every row) followed by the frame's columns, yielded
    in pieces so PostgreSQL ingests one piece while the next is joined (psycopg sends from its own thread)."""
    delar = [_kolumn_text(rader[k]) for k in rader.columns]
    fasta = [_format(v) for v in konstanter.values()]
    for start in range(0, len(rader), per_bit):
        bit = [repeat(v, min(per_bit, len(rader) - start)) for v in fasta] + [d[start : start + per_bit] for d in delar]
        yield "\n".join(map("\t".join, zip(*bit, strict=False))) + "\n"


def copy_text(rader: pd.DataFrame, konstanter: dict[str, object]) -> str:
    """The whole COPY text at once (small frames, tests)."""
    return "".join(copy_bitar(rader, konstanter))


def ordning_for_index(rader: pd.DataFrame) -> np.ndarray:
    """Row positions in the order of the table view's BRIN index (kva, period, urval): rows read together sit in
    the same pages, so the index skips the rest of the partition."""
    koder = [pd.factorize(rader[k], sort=True)[0] for k in ("urval", "matperiod", "kva_id")]
    return np.lexsort(koder)


def sortera_for_index(rader: pd.DataFrame) -> pd.DataFrame:
    return rader.iloc[ordning_for_index(rader)]


# Binary COPY (PostgreSQL's own row format): the server parses no text at all, which halves the COPY itself.
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


def _binart_falt(value, format_: str | None) -> bytes:
    if format_ is None:
        data = str(value).encode()
    elif format_ == ">d":
        data = struct.pack(format_, float(value))
    elif format_ == ">?":
        data = struct.pack(format_, bool(value))
    else:
        data = struct.pack(format_, int(value))
    return struct.pack(">i", len(data)) + data


def copy_binar(rader: pd.DataFrame, forsta_id: int, ordning: np.ndarray | None = None, per_bit: int = 50_000):
    """Binary COPY data for the columns (id, *rader.columns), rows in `ordning`, ids forsta_id, forsta_id+1, ….

    Every column is factorised; each distinct value is encoded once, and the rows are assembled by one vectorised
    byte gather per piece (one cumulative sum over segment steps) – no per-row Python.
    """
    n = len(rader)
    ordning = np.arange(n) if ordning is None else ordning
    # Per row: field count, then the id field (length 8 + int8), fixed width.
    prefix = np.empty(n, dtype=[("f", ">i2"), ("l", ">i4"), ("id", ">i8")])
    prefix["f"] = 1 + len(rader.columns)
    prefix["l"] = 8
    prefix["id"] = np.arange(forsta_id, forsta_id + n, dtype=np.int64)
    delar = [np.frombuffer(prefix.tobytes(), dtype=np.uint8)]
    kolumner = []
    offset = n * prefix.itemsize
    for kolumn in rader.columns:
        codes, uniques = pd.factorize(rader[kolumn], use_na_sentinel=True)
        kodade = [_binart_falt(u, BINAR_TYPER[kolumn]) for u in uniques] + [_BINAR_NULL]  # code -1 → NULL
        lens = np.array([len(k) for k in kodade], dtype=np.int64)
        kolumner.append((codes, offset + np.concatenate(([0], np.cumsum(lens)[:-1])), lens))
        delar.append(np.frombuffer(b"".join(kodade), dtype=np.uint8))
        offset += int(lens.sum())
    buffert = np.concatenate(delar)
    typ = np.int32 if len(buffert) < 2**31 else np.int64  # half the memory for the per-field index arrays
    starts = np.empty((n, 1 + len(kolumner)), dtype=typ)
    langder = np.empty_like(starts)
    starts[:, 0] = np.arange(n, dtype=typ) * prefix.itemsize
    langder[:, 0] = prefix.itemsize
    for j, (codes, borjan, lens) in enumerate(kolumner, 1):
        radkoder = codes[ordning]
        starts[:, j] = borjan[radkoder]
        langder[:, j] = lens[radkoder]
    del kolumner
    yield _BINAR_HUVUD
    for start in range(0, n, per_bit):
        st = starts[start : start + per_bit].ravel()
        ln = langder[start : start + per_bit].ravel()
        # Source index of every output byte: +1 within a segment, a jump at each segment start (every field is at
        # least 4 bytes long, so no segment is empty); one cumulative sum turns the steps into indexes.
        steg = np.ones(int(ln.sum()), dtype=typ)
        ut = np.cumsum(ln)[:-1]
        steg[0] = st[0]
        steg[ut] = st[1:] - (st[:-1] + ln[:-1]) + 1
        yield buffert[np.cumsum(steg, dtype=typ)].tobytes()
    yield struct.pack(">h", -1)


def reservera_id(antal: int) -> int:
    """Reserves `antal` consecutive ids of the figure table's sequence; returns the first.

    The table lock (held to commit, readers unaffected) keeps any other writer from drawing ids in between."""
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


def slapp_leveranser(leverans_ids) -> None:
    """Removes the figure rows of these deliveries: DROP their partitions (instant), clear the default partition."""
    ids = [int(i) for i in leverans_ids]
    if not ids:
        return
    with connection.cursor() as cursor:
        for lid in ids:
            cursor.execute(f"DROP TABLE IF EXISTS {_partition(lid)}")
        cursor.execute(f"DELETE FROM {TABELL}_standard WHERE leverans_id = ANY(%s)", [ids])  # noqa: S608 - constant name


def stada_partitioner() -> int:
    """Drops delivery partitions whose Leverans row is gone (e.g. deleted by hand); returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass AND c.relname ~ '_l[0-9]+$' "
            "AND NOT EXISTS (SELECT 1 FROM lagesbild_leverans l "
            "WHERE l.id = substring(c.relname from '_l([0-9]+)$')::bigint)",
            [TABELL],
        )
        namn = [r[0] for r in cursor.fetchall()]
        for n in namn:
            cursor.execute(f'DROP TABLE IF EXISTS "{n}"')
    return len(namn)


def copy_till_tabell(
    bitar, kolumner: list[str], tabell: str = TABELL, *, frys: bool = False, binar: bool = False
) -> None:
    """COPY the pieces (text str, or bytes when `binar`) into `tabell`. `frys`: the table was created in this
    (sub)transaction, so rows can be written frozen (no later hint-bit rewrite or freeze vacuum).

    A queued writer sends from its own thread, so PostgreSQL ingests one piece while Python builds the next."""
    from psycopg.copy import QueuedLibpqWriter  # PostgreSQL only; SQLite runs never get here

    val = [*(["FORMAT binary"] if binar else []), *(["FREEZE"] if frys else [])]
    sql = f"COPY {tabell} ({', '.join(kolumner)}) FROM STDIN" + (f" WITH ({', '.join(val)})" if val else "")
    with connection.cursor() as cursor:
        pg_cursor = cursor.cursor
        with pg_cursor.copy(sql, writer=QueuedLibpqWriter(pg_cursor)) as cp:
            for bit in bitar:
                cp.write(bit)


def skriv_partition(leverans_id: int, bitar, kolumner: list[str], *, binar: bool = False) -> None:
    """COPY one delivery into its own unindexed table, build the indexes once, then attach it as a partition.

    Inside the caller's transaction: readers keep seeing the previous state until commit.
    """
    namn = _partition(leverans_id)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")  # a crash loses the run, never half a delivery
        cursor.execute(f"DROP TABLE IF EXISTS {namn}")
        cursor.execute(f"CREATE TABLE {namn} (LIKE {TABELL} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    copy_till_tabell(bitar, kolumner, namn, frys=True, binar=binar)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Must match the parent's indexes (migrations 0003-0005) so ATTACH adopts them instead of building new.
        cursor.execute(f"CREATE INDEX ON {namn} USING brin (kva_id, matperiod, urval) WITH (pages_per_range = 16)")
        cursor.execute(f"CREATE INDEX ON {namn} (vardenhet_id)")
        cursor.execute(f"ALTER TABLE {TABELL} ATTACH PARTITION {namn} FOR VALUES IN ({int(leverans_id)})")
        # Fresh statistics, or the planner guesses "1 row", picks the wrong index and even JIT-compiles the query.
        # Only the filtered columns, from a smaller sample: they are low-cardinality (units, KVÅ, periods, urval),
        # so 9,000 rows estimate them as well as 30,000 would, at a third of the cost.
        cursor.execute("SET LOCAL default_statistics_target = 30")
        cursor.execute(f"ANALYZE {namn} ({', '.join(ANALYS_KOLUMNER)})")
