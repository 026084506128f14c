"""Fast bulk writes of figure rows (Matvarde) on PostgreSQL: COPY text built per distinct value, one partition
per delivery (see migration 0003).

Rule: the importer has validated every row before it gets here; this module only moves clean rows quickly.
Columns are low-cardinality (units, KVÅ groups, periods, small counts), so each column is formatted once per
distinct value and the rows are assembled with C-level joins – no per-row Python formatting.
"""

from itertools import repeat

import numpy as np
import pandas as pd
from django.db import connection

TABELL = "lagesbild_matvarde"
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


def sortera_for_index(rader: pd.DataFrame) -> pd.DataFrame:
    """Rows in the order of the table view's index (kva, period, urval): PostgreSQL's sort for CREATE INDEX then
    sees presorted input, and rows read together sit in the same pages."""
    koder = [pd.factorize(rader[k], sort=True)[0] for k in ("urval", "matperiod", "kva_id")]
    return rader.iloc[np.lexsort(koder)]


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


def copy_till_tabell(bitar, kolumner: list[str], tabell: str = TABELL, *, frys: bool = False) -> None:
    """COPY the text pieces (an iterable of str) into `tabell`. `frys`: the table was created in this
    (sub)transaction, so rows can be written frozen (no later hint-bit rewrite or freeze vacuum)."""
    sql = f"COPY {tabell} ({', '.join(kolumner)}) FROM STDIN" + (" WITH (FREEZE)" if frys else "")
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as cp:
        for bit in bitar:
            cp.write(bit)


def skriv_partition(leverans_id: int, bitar, kolumner: list[str]) -> None:
    """COPY one delivery into its own unindexed table, build the indexes once, then attach it as a partition.

    Inside the caller's transaction: readers keep seeing the previous state until commit.
    """
    namn = _partition(leverans_id)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")  # a crash loses the run, never half a delivery
        cursor.execute(f"DROP TABLE IF EXISTS {namn}")
        cursor.execute(f"CREATE TABLE {namn} (LIKE {TABELL} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    copy_till_tabell(bitar, kolumner, namn, frys=True)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # Must match the parent's indexes (migrations 0003-0005) so ATTACH adopts them instead of building new.
        cursor.execute(f"CREATE INDEX ON {namn} USING brin (kva_id, matperiod, urval) WITH (pages_per_range = 16)")
        cursor.execute(f"CREATE INDEX ON {namn} (vardenhet_id)")
        cursor.execute(f"ALTER TABLE {TABELL} ATTACH PARTITION {namn} FOR VALUES IN ({int(leverans_id)})")
        # Fresh statistics, or the planner guesses "1 row", picks the wrong index and even JIT-compiles the query.
        cursor.execute(f"ANALYZE {namn}")
