"""Benchmark: one national-scale SPOR delivery through the importer vs PostgreSQL COPY of the same rows.

    .venv/bin/python bench/lagesbild_import.py [--kva 100] [--enheter 3000] [--renders 30]

Rows = (enheter + the registers' 21 region totals + the national total) × kva × 21 (30d/90d/365d + 18 months);
about one row in 17 is suppressed (`<5`). The COPY baseline loads the same file into a plain table (text columns,
no indexes) in the same run, just before the importer. The target (issue #5): the importer takes at most 3× the
COPY. Then it times the comparison table for one KVÅ group over all units.
Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/vf_lagesbild_bench, created if missing).
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vf_lagesbild_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vardformedling.settings")

REGIONER = [f"{k:02d}" for k in (1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 17, 18, 19, 20, 21, 22, 23, 24, 25)]
HEADER = (
    "uttagsdatum;region_kod;vardenhet_hsaid;vardenhet_namn;kva_grupp;matperiod;prioritet;antal_utforda;"
    "median_vantetid_dagar;p90_vantetid_dagar;andel_inom_90_dagar;andel_asa_3_4"
)


def skapa_databas() -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    dsn = f"host={cfg['HOST']} port={cfg['PORT'] or 5432} user={cfg['USER']} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def skriv_fil(path: Path, uttag: date, kva: int, enheter: int) -> int:
    months = []
    y, m = uttag.year, uttag.month
    for _ in range(18):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        months.append(f"{y}-{m:02d}")
    perioder = ["30d", "90d", "365d", *months]
    n = 0
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER + "\n")
        for e in range(enheter):
            region = REGIONER[e % len(REGIONER)]
            hsa = f"SE2321000000-B{e:05d}"
            namn = f"Benchenhet {e}"
            lines = []
            for k in range(kva):
                kod = f"X{k:02d}"
                for i, p in enumerate(perioder):
                    if (e + k + i) % 17 == 0:
                        lines.append(f"{uttag};{region};{hsa};{namn};{kod};{p};alla;<5;;;;")
                    else:
                        med = 20 + (e * 7 + k * 3 + i) % 300
                        stats = f"{10 + (e + i) % 90};{med};{med * 2};{(e + k) % 100},5;{(e + i) % 40},2"
                        lines.append(f"{uttag};{region};{hsa};{namn};{kod};{p};alla;{stats}")
            n += len(lines)
            f.write("\n".join(lines) + "\n")
        for region in [*REGIONER, "00"]:  # the registers' own totals: no unit
            lines = [
                f"{uttag};{region};;;X{k:02d};{p};alla;{500 + k};{60 + k};{150 + k};{(k * 7) % 100},0;{k % 40},0"
                for k in range(kva)
                for p in perioder
            ]
            n += len(lines)
            f.write("\n".join(lines) + "\n")
    return n


def tid_copy(path: Path) -> float:
    from django.db import connection

    cols = ", ".join(f"{c} text" for c in HEADER.split(";"))
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_copy")
        cur.execute(f"CREATE TABLE bench_copy ({cols})")
        t = time.perf_counter()
        sql = "COPY bench_copy FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)"
        with cur.cursor.copy(sql) as copy, path.open("rb") as f:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - t
        cur.execute("DROP TABLE bench_copy")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kva", type=int, default=100)
    parser.add_argument("--enheter", type=int, default=3000)
    parser.add_argument("--renders", type=int, default=30)
    args = parser.parse_args()
    skapa_databas()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from lagesbild.importers import importera_fil
    from lagesbild.models import ImportRun, Leverans, Matvarde
    from tests.factories import make_user
    from vardformedling.models import Roll

    call_command("migrate", verbosity=0)
    from lagesbild import bulk

    if bulk.partitionerad():
        with connection.cursor() as cur:
            cur.execute("TRUNCATE lagesbild_matvarde")  # no millions of dead rows left behind for this run
    Matvarde.objects.all().delete()
    Leverans.objects.all().delete()
    if bulk.partitionerad():
        bulk.stada_partitioner()  # the deleted deliveries' (now empty) partitions
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE lagesbild_matvarde")
        cur.execute("CHECKPOINT")  # both runs start without the previous run's dirty pages being flushed
    ImportRun.objects.all().delete()
    idag = date.today()  # noqa: DTZ011 - local benchmark dates
    with tempfile.TemporaryDirectory() as tmp:
        kvoter = []
        for namn, dagar in (("första leveransen (skapar enheter)", 2), ("ny leverans (ersätter föregående)", 1)):
            path = Path(tmp) / f"spor_vantetider_{idag - timedelta(days=dagar):%Y%m%d}.csv"
            rader = skriv_fil(path, idag - timedelta(days=dagar), args.kva, args.enheter)
            copy_s = tid_copy(path)
            t = time.perf_counter()
            res = importera_fil(path, startad_av="kommando")
            imp_s = time.perf_counter() - t
            assert res.run.status == "klar", (res.run.meddelande, res.fel_text[:3])
            kvoter.append(imp_s / copy_s)
            print(f"{namn}: {rader:,} rader; COPY {copy_s:.2f} s; importör {imp_s:.2f} s; kvot {imp_s / copy_s:.2f}×")
    minne = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    uppfyllt = "uppfyllt" if max(kvoter) <= 3 else "EJ UPPFYLLT"
    print(f"mål importör ≤ 3× COPY: {uppfyllt} (högsta kvot {max(kvoter):.2f}×); största minne {minne:.0f} MB")
    user = make_user(Roll.VARDLOTS, "20", hsa_id="SE2321000180-BENCH")
    client = Client()
    client.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    url = "/lagesbild/?kva=X07&period=90&niva=enhet"
    client.get(url, HTTP_HOST="127.0.0.1")
    times = []
    for _ in range(args.renders):
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            response = client.get(url, HTTP_HOST="127.0.0.1")
            times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(
        f"tabellvy {url} över {args.enheter} enheter: median {statistics.median(times):.0f} ms, "
        f"p95 {p95:.0f} ms, {len(q.captured_queries)} frågor per sida"
    )
    user.delete()


if __name__ == "__main__":
    main()
