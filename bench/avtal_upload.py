"""Benchmark: agreement upload of a national file (2,000 agreements, 20,000 lines) vs PostgreSQL COPY of the same rows.

    .venv/bin/python bench/avtal_upload.py [--omgangar 5] [--json FIL]

Each round, on a database without the previous round's agreements:
- COPY: the file's 20,000 lines into a plain table (text columns, no indexes) – the reference, same round;
- first upload: a fresh file (agreement ids not in the database), validated, planned and applied as
  `import_avtal` / the upload page do (`avtal.uppladdning.importera_direkt`) – all 2,000 agreements new;
- the same file again: every agreement compared field by field, all unchanged, nothing written.
Prints every round, then for each kind median, p95 (the maximum at fewer than 20 rounds), lines per second and
the ratio to COPY. There is no explicit target (issue #4): the ratio to COPY is the figure to watch.

Runs with the benchmarks' production-like settings (DEBUG off, no query logging) on PostgreSQL only: DATABASE_URL
defaults to postgres://postgres@127.0.0.1:5432/vf_avtal_bench (created, migrated and given the demo catalogue when
needed); SQLite is refused. Exit code 1 when an upload is not applied as expected.
"""

import argparse
import csv
import io
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vf_avtal_bench")

import _common

KOLUMNER = [
    "avtal_id", "avtalsagare_region_kod", "vardgivare_orgnr", "vardenhet_hsaid", "avtalstyp",
    "giltig_fran", "giltig_till", "far_nyttjas_av", "kva_grupp", "pris_kr", "takvolym",
]  # fmt: skip
PREFIX = "BENCH"


def forbered() -> None:
    """Database, migrations and the demo catalogue (the units and providers the agreements name)."""
    _common.skapa_databas()
    import django

    django.setup()
    from django.core.management import call_command

    from katalog.models import Vardenhet

    call_command("migrate", verbosity=0)
    if not Vardenhet.objects.filter(vardgivare__isnull=False).exists():
        import katalog.demo

        katalog.demo.load()


def fil(omgang: int, n_avtal: int = 2000, per_avtal: int = 10) -> bytes:
    from katalog.models import KvaGrupp, Vardenhet

    enheter = list(
        Vardenhet.objects.filter(vardgivare__isnull=False, aktiv=True).select_related("vardgivare").order_by("pk")[:50]
    )
    kva = list(KvaGrupp.objects.order_by("kod").values_list("kod", flat=True)[:per_avtal])
    if not enheter or len(kva) < per_avtal:
        raise _common.Misslyckad("katalogen saknar vårdenheter eller KVÅ-grupper")
    idag = date.today()  # noqa: DTZ011 - local benchmark dates
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(KOLUMNER)
    for i in range(n_avtal):
        e = enheter[i % len(enheter)]
        agare = (i % 20) + 1
        for k in kva:
            w.writerow([f"{PREFIX}-{omgang}-{i:05d}", f"{agare:02d}" if agare not in (2, 11, 15, 16) else "01",
                        e.vardgivare.orgnr, e.hsa_id, "upphandlat", idag - timedelta(days=10),
                        idag + timedelta(days=300), "alla", k, "12500,00", "100"])  # fmt: skip
    return buf.getvalue().encode()


def tid_copy(data: bytes) -> float:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_avtal_copy")
        cur.execute(f"CREATE TABLE bench_avtal_copy ({', '.join(f'{c} text' for c in KOLUMNER)})")
        t = time.perf_counter()
        with cur.cursor.copy("COPY bench_avtal_copy FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)") as cp:
            cp.write(data)
        sekunder = time.perf_counter() - t
        cur.execute("DROP TABLE bench_avtal_copy")
    return sekunder


def stada() -> None:
    """Removes the benchmark's agreements and uploads (not timed), so every round starts from the same state."""
    from avtal.models import Avtal, AvtalsUppladdning

    Avtal.objects.filter(avtal_id__startswith=f"{PREFIX}-").delete()
    AvtalsUppladdning.objects.filter(filnamn__startswith="bench_avtal").delete()


def ladda_upp(data: bytes, omgang: int, *, nya: int, oforandrade: int) -> float:
    from avtal.models import Uppladdningsstatus
    from avtal.uppladdning import importera_direkt

    t = time.perf_counter()
    u = importera_direkt(filnamn=f"bench_avtal_{omgang}.csv", innehall=data)
    sekunder = time.perf_counter() - t
    if (u.status, u.antal_rader, u.antal_nya, u.antal_oforandrade) != (
        Uppladdningsstatus.TILLAMPAD, 20_000, nya, oforandrade,
    ):  # fmt: skip
        raise _common.Misslyckad(
            f"uppladdningen gav {u.status}, {u.antal_rader} rader, {u.antal_nya} nya, "
            f"{u.antal_oforandrade} oförändrade; fel: {u.fel[:3]}"
        )
    return sekunder


def sammanfatta(namn: str, tider: list[float], copy_median: float, rader: int) -> dict:
    median = statistics.median(tider)
    p95 = _common.percentil(tider, 0.95)
    res = {
        "namn": namn,
        "omgangar": len(tider),
        "median_s": round(median, 3),
        "p95_s": round(p95, 3),
        "rader_per_s": round(rader / median),
        "kvot_copy": round(median / copy_median, 1),
    }
    p95_namn = "p95" if len(tider) >= 20 else "p95 (= max)"
    print(
        f"{namn}: median {median:.2f} s, {p95_namn} {p95:.2f} s, {res['rader_per_s']:,} rader/s över "
        f"{len(tider)} omgångar; {res['kvot_copy']}× COPY (median)"
    )
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--omgangar", type=int, default=5, help="antal omgångar (ny fil + samma fil igen)")
    p.add_argument("--json", type=Path, help="skriv resultatet som JSON hit (för run_all)")
    a = p.parse_args()
    forbered()
    rader = 20_000
    copy_t, forsta_t, igen_t = [], [], []
    for omgang in range(1, a.omgangar + 1):
        stada()
        data = fil(omgang)
        copy_t.append(tid_copy(data))
        forsta_t.append(ladda_upp(data, omgang, nya=2000, oforandrade=0))
        igen_t.append(ladda_upp(data, omgang, nya=0, oforandrade=2000))
        print(
            f"omgång {omgang}: COPY {copy_t[-1] * 1000:.0f} ms; första uppladdningen {forsta_t[-1]:.2f} s "
            f"(2 000 nya avtal); samma fil igen {igen_t[-1]:.2f} s (2 000 oförändrade)"
        )
    stada()
    copy_median = statistics.median(copy_t)
    print(
        f"referens PostgreSQL COPY av samma {rader:,} rader: median {copy_median * 1000:.0f} ms, "
        f"p95 {_common.percentil(copy_t, 0.95) * 1000:.0f} ms, {rader / copy_median:,.0f} rader/s"
    )
    resultat = [
        sammanfatta("Avtalsuppladdning, ny fil (20 000 rader)", forsta_t, copy_median, rader),
        sammanfatta("Avtalsuppladdning, samma fil igen", igen_t, copy_median, rader),
    ]
    print("mål: inget uttalat mål (issue #4); kvoten mot COPY redovisas")
    if a.json:
        a.json.write_text(json.dumps({"copy_median_s": round(copy_median, 4), "resultat": resultat}, indent=1))


if __name__ == "__main__":
    main()
