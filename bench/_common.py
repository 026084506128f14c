"""Shared helpers for the benchmarks: settings, database setup, seeding, a signed-in client and the timing loop.

Every page scenario is timed the same way as its reference (a trivial view, /healthz) in the same run:
`django.test.Client` in-process, so the figure is server time (middleware, views, queries, templates) without
network. Figures: median and p95 in ms, throughput in requests per second (sequential, one client), and the
page's time over the time of its SQL alone: the queries each timed request ran are captured (statement and
parameters) and, after the timed requests, run again by themselves on the same connection (inside a transaction
that is rolled back, so access-log rows and session writes are not repeated). The median of those replays is
"SQL alone"; page median / SQL median says how much time the page spends outside the database.

Settings are production-like for every benchmark (pages and imports alike): DEBUG off, no query logging (queries
are counted with a light execute wrapper, never with Django's debug cursor), PostgreSQL only.
"""

import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Production-like settings (DEBUG off: no debug overhead, no query log), served over plain HTTP in-process.
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-only-" + "k7Qx2vLp9RtZ" * 5)
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vf_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vardformedling.settings")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The page scenarios sign their synthetic users in with the SITHS stub backend (force_login); production settings
# refuse the stub unless it is allowed explicitly, which only the benchmarks, the load test and the tests do.
os.environ.setdefault("AUTH_MODE", "stub")
os.environ.setdefault("SITHS_STUB_ALLOWED", "1")

HOST = "127.0.0.1"
warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic needed here


class Misslyckad(SystemExit):
    """A benchmark that could not measure (a page did not answer 200, an import failed): exit code 1."""

    def __init__(self, meddelande: str):
        super().__init__(f"MISSLYCKADES: {meddelande}")
        self.meddelande = meddelande


def krav_postgresql() -> None:
    """The figures are only meaningful on PostgreSQL: any other DATABASE_URL (SQLite, empty) is refused."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            f"Benchmarkerna körs bara mot PostgreSQL, men DATABASE_URL är {url or '(tom, dvs. SQLite)'!r}. "
            "Ange t.ex. DATABASE_URL=postgres://postgres@127.0.0.1:5432/vf_bench."
        )


def cpu_modell() -> str:
    """The CPU model for the results files (Linux /proc/cpuinfo, else what platform knows)."""
    try:
        for rad in Path("/proc/cpuinfo").read_text().splitlines():
            if rad.startswith("model name"):
                return rad.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "okänd CPU"


def underhallsdsn(url: str) -> str:
    """Connection string for the server's `postgres` database with the host, port, user and password of `url`."""
    import dj_database_url
    from psycopg.conninfo import make_conninfo

    cfg = dj_database_url.parse(url)
    return make_conninfo(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        password=cfg["PASSWORD"] or None,  # None: left out (trust, .pgpass or PGPASSWORD)
        dbname="postgres",
    )


def skapa_databas() -> None:
    """Creates the PostgreSQL database named in DATABASE_URL when it is missing."""
    import dj_database_url
    import psycopg

    krav_postgresql()
    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(underhallsdsn(os.environ["DATABASE_URL"]), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def forbered(scale: float | None = None) -> None:
    """Database, migrations and (when no synthetic data exists) `seed_scale --scale N`."""
    skapa_databas()
    import django

    django.setup()
    from django.core.management import call_command

    from katalog.models import Vardenhet
    from scale import MARKOR

    if os.environ.get("BENCH_MIGRATE", "1") != "0":  # BENCH_MIGRATE=0: reuse an already migrated database as is
        call_command("migrate", verbosity=0)
    if not Vardenhet.objects.filter(hsa_id__contains=f"-{MARKOR}").exists():
        call_command("seed_scale", scale=scale if scale is not None else 1.0)


def klient(roll: str, region: str | None = "20"):
    """A test client signed in as a synthetic user with that role (from seed_scale)."""
    from django.test import Client

    from scale import MARKOR
    from vardformedling.models import Medarbetaruppdrag

    qs = Medarbetaruppdrag.objects.filter(roll=roll, user__hsa_id__contains=f"-{MARKOR}")
    if region:
        qs = qs.filter(region_id=region)
    uppdrag = qs.select_related("user").order_by("pk").first()
    if uppdrag is None:
        raise SystemExit(f"Ingen syntetisk användare med rollen {roll} i region {region}; kör seed_scale först.")
    c = Client()
    c.force_login(uppdrag.user, backend="vardformedling.auth.SithsStubBackend")
    session = c.session
    session["vf_uppdrag_id"] = uppdrag.pk
    session.save()
    return c, uppdrag


def percentil(varden: list[float], p: float) -> float:
    s = sorted(varden)
    return s[max(0, min(len(s) - 1, round(p * len(s)) - 1))]


class Fragerakning:
    """Counts the queries of each request with an execute wrapper (no debug cursor) and keeps each statement with
    its parameters for the SQL-alone replay."""

    def __init__(self):
        self.fragor: list[tuple[str, object, bool]] = []

    @property
    def antal(self) -> int:
        return len(self.fragor)

    def __call__(self, execute, sql, params, many, context):
        self.fragor.append((sql, params, many))
        return execute(sql, params, many, context)


def sql_tid_ms(fragor: list[tuple[str, object, bool]]) -> float:
    """The time of these statements alone, run in order on the request's connection (fetching every row), in a
    transaction that is rolled back. Only the statements are timed, not BEGIN/ROLLBACK."""
    from django.db import connection, transaction

    tid = 0.0
    with transaction.atomic():
        raw = connection.connection.cursor()  # the driver's cursor: no Django wrapper in the figure
        try:
            for sql, params, many in fragor:
                t = time.perf_counter()
                if many:
                    raw.executemany(sql, params)
                else:
                    raw.execute(sql, params)
                if raw.description is not None:
                    raw.fetchall()
                tid += time.perf_counter() - t
        finally:
            raw.close()
        transaction.set_rollback(True)
    return tid * 1000


def mat(
    client,
    urls,
    antal: int,
    *,
    uppvarmning: int = 3,
    htmx: bool | str = False,
    status: int = 200,
    rubriker: dict | None = None,
) -> dict:
    """Times `antal` GETs cycling over `urls`; returns median/p95 (ms), throughput (req/s) and queries/request.

    `htmx`: send the headers htmx sends (HX-Request, and HX-Target when a target id is given).
    Any answer but 200 (or `status`, e.g. 304 for a revalidation with `rubriker` such as If-None-Match) stops the
    benchmark with `Misslyckad` (exit code 1): a missing page is never a figure.
    """
    from django.db import connection

    urls = [urls] if isinstance(urls, str) else list(urls)
    if not urls:
        raise Misslyckad("inga adresser att mäta (saknas data?)")
    extra = {"HTTP_HOST": HOST, **(rubriker or {})}
    if htmx:
        extra["HTTP_HX_REQUEST"] = "true"
        if isinstance(htmx, str):
            extra["HTTP_HX_TARGET"] = htmx

    def kontrollera(url, svar):
        if svar.status_code != status:
            raise Misslyckad(f"{url} gav HTTP {svar.status_code}, inte {status}")

    for i in range(uppvarmning):
        url = urls[i % len(urls)]
        kontrollera(url, client.get(url, **extra))
    tider, fragor, inspelade = [], [], []
    start = time.perf_counter()
    for i in range(antal):
        url = urls[i % len(urls)]
        raknare = Fragerakning()
        with connection.execute_wrapper(raknare):
            t = time.perf_counter()
            svar = client.get(url, **extra)
            tider.append((time.perf_counter() - t) * 1000)
        fragor.append(raknare.antal)
        inspelade.append(raknare.fragor)
        kontrollera(url, svar)
    total = time.perf_counter() - start
    # The same requests' SQL alone, each request's statements in their order, after the timed loop.
    sql_tider = [sql_tid_ms(f) for f in inspelade]
    median = statistics.median(tider)
    sql_median = statistics.median(sql_tider)
    return {
        "antal": antal,
        "median_ms": round(median, 1),
        "p95_ms": round(percentil(tider, 0.95), 1),
        "per_s": round(antal / total, 1),
        "fragor_max": max(fragor),
        "sql_median_ms": round(sql_median, 2),
        "kvot_sql": round(median / max(sql_median, 0.001), 1),
    }


def referens(antal: int) -> dict:
    """The trivial view timed the same way: /healthz (one database round trip, no template)."""
    from django.test import Client

    return mat(Client(), "/healthz", antal)


def rapportera(
    namn: str,
    url: str,
    res: dict,
    ref: dict,
    mal_p95: float | None,
    *,
    mal_kvot_ref: float | None = None,
    mal_fragor: int | None = None,
) -> dict:
    """Prints and returns a scenario's figures. Targets: p95 (ms), and optionally the median as a multiple of the
    /healthz median in the same run and the most queries a page may run; met only when every one given is met."""
    kvot_ref = round(res["median_ms"] / max(ref["median_ms"], 0.01), 1)
    delmal = []
    if mal_p95 is not None:
        delmal.append((f"p95 < {mal_p95:.0f} ms", res["p95_ms"] < mal_p95))
    if mal_kvot_ref is not None:
        delmal.append((f"median ≤ {mal_kvot_ref:g}× /healthz", kvot_ref <= mal_kvot_ref))
    if mal_fragor is not None:
        delmal.append((f"≤ {mal_fragor} frågor", res["fragor_max"] <= mal_fragor))
    uppfyllt = all(ok for _, ok in delmal) if delmal else None
    mal_text = "".join(f"; mål {text}: {'JA' if ok else 'NEJ'}" for text, ok in delmal)
    print(
        f"{namn}: median {res['median_ms']} ms, p95 {res['p95_ms']} ms, {res['per_s']} req/s, "
        f"≤{res['fragor_max']} frågor/sida ({res['antal']} anrop {url}){mal_text}"
    )
    print(
        f"  referens /healthz: median {ref['median_ms']} ms, p95 {ref['p95_ms']} ms, {ref['per_s']} req/s; "
        f"kvot median {kvot_ref:g}×; sidans SQL ensam: median {res['sql_median_ms']} ms, "
        f"sidtid / SQL-tid {res['kvot_sql']:g}×"
    )
    return {
        "namn": namn,
        "url": url,
        **res,
        "referens": ref,
        "kvot_ref": kvot_ref,
        "mal_p95_ms": mal_p95,
        "mal_kvot_ref": mal_kvot_ref,
        "mal_fragor": mal_fragor,
        "mal_text": ", ".join(text for text, _ in delmal) or "–",
        "uppfyllt": uppfyllt,
    }


def argument(beskrivning: str, antal: int = 200):
    import argparse

    p = argparse.ArgumentParser(description=beskrivning, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--antal", type=int, default=antal, help="antal anrop")
    p.add_argument("--scale", type=float, default=None, help="seed_scale-skala om databasen är tom (standard 1)")
    return p.parse_args()


def kor(main, beskrivning: str) -> None:
    """`__main__` of a page script: run it, and exit 1 when it could not measure or missed its target."""
    a = argument(beskrivning)
    resultat = main(a.antal, a.scale)
    missade = [r["namn"] for r in resultat if r.get("uppfyllt") is False]
    if missade:
        raise SystemExit(f"Målet nåddes inte: {', '.join(missade)}")
