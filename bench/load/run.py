"""Load test with locust: 50 different signed-in navigators against gunicorn with PostgreSQL and Redis, on loopback.

    .venv/bin/python bench/load/run.py [--db URL] [--scale 1] [--users 50] [--spawn-rate 10] [--duration 60s]
                                       [--trivial-duration 20s] [--workers 2×nproc] [--think 0]
    make load-test LOAD_ARGS="--scale 0.1 --duration 20s"      # a quick smoke run

This is the saturation profile (`--profil mattnad`, the default): no think time, it measures capacity. The
realistic profile, `--profil realistisk`, ramps users of every role with think time until p95 passes 300 ms and
reports the users served (bench/load/run_realistisk.py). Each profile writes its own section of RESULTS.md.

Everything it starts it stops again, and every phase is bounded in time (locust -t, plus a hard timeout):
1. The database (--db, else LOAD_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/vf_bench
   – the benchmarks' database) is migrated and, when it holds no synthetic data, seeded with
   `seed_scale --scale N` (as bench/_common.py forbered() does). At national scale that is 3,000 units,
   20,000 agreement lines and 50,000 cases.
2. One different person per simulated user: seed_scale's synthetic navigators and coordinators (two navigators
   and a coordinator in each of the 21 regions), taken region by region so neighbours differ; more are created
   (HSA-ids …-SYNLT…, removed by seed_scale --reset) when --users asks for more. Each gets its own region's open
   cases, KVÅ groups and units to work on (a JSON file for the locustfile).
3. gunicorn with the production image's settings file (gunicorn_conf.py: 2 sync workers per core; --workers
   overrides) and production-like settings: DEBUG off, PostgreSQL, Redis as cache and Celery broker, database
   sessions, the SITHS login stub; bound to 127.0.0.1 on a free port, no access log.
4. locust headless (bench/load/locustfile.py, `Navigator`): every user signs in through POST /login/ with CSRF,
   then runs the mix (reads with filters, HTMX requests, and writes: register a case, assess it, notes), no think
   time by default (this measures capacity); then `Trivial`: the same number of users against /healthz.
5. Prints and writes bench/load/RESULTS.md: machine, date, load average before/after, settings, per request type
   count, req/s, p50, p95 and failures, and the ratio of the mix's throughput to the trivial view's.
Errors must be zero: any failed request, any exception in a locust task, or a locust exit code ≠ 0 makes this
script exit 1. Traffic goes to 127.0.0.1 only.
"""

import argparse
import csv
import json
import os
import platform
import runpy
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BENCH = HERE.parent
VENV_BIN = Path(sys.executable).parent
FORVALD_DB = "postgres://postgres@127.0.0.1:5432/vf_bench"
GUNICORN_CONF = ROOT / "gunicorn_conf.py"  # the production image's gunicorn settings


def argument() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--db",
        default=os.environ.get("LOAD_DATABASE_URL") or os.environ.get("DATABASE_URL") or FORVALD_DB,
        help="PostgreSQL-databasen (standard: LOAD_DATABASE_URL, DATABASE_URL, annars vf_bench)",
    )
    p.add_argument("--redis", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/7")
    p.add_argument("--scale", type=float, default=1.0, help="seed_scale-skala om databasen saknar syntetiska data")
    p.add_argument("--users", type=int, default=50, help="samtidiga användare (olika personer)")
    p.add_argument("--spawn-rate", type=float, default=10)
    p.add_argument("--duration", default="60s", help="blandningens längd (locust -t)")
    p.add_argument("--trivial-duration", default="20s", help="/healthz-fasens längd (locust -t)")
    p.add_argument(
        "--workers",
        type=int,
        default=runpy.run_path(str(GUNICORN_CONF))["default_workers"](),
        help="gunicorn-workers (standard som i produktion: 2 per kärna, gunicorn_conf.py)",
    )
    p.add_argument("--think", type=float, default=0.0, help="betänketid i sekunder mellan anrop (standard 0)")
    p.add_argument("--resultat", type=Path, default=HERE / "RESULTS.md", help="resultatfilen")
    p.add_argument(
        "--profil",
        choices=["mattnad", "realistisk"],
        default="mattnad",
        help="mattnad: ingen betänketid, mäter kapaciteten (standard); realistisk: roller med betänketid i steg",
    )
    r = p.add_argument_group("realistisk profil (bench/load/run_realistisk.py)")
    r.add_argument("--start", type=int, default=50, help="användare i första steget")
    r.add_argument("--steg", type=int, default=50, help="fler användare per steg")
    r.add_argument("--max", type=int, default=1000, help="högst så många användare")
    r.add_argument("--steg-tid", default="120s", help="varje stegs längd")
    r.add_argument("--uppvarmning", default="30s", help="omätt början av varje steg (nya användare loggar in)")
    r.add_argument("--p95-grans", type=float, default=300, help="gränsen för p95 i ms")
    r.add_argument(
        "--tanke-skala",
        type=float,
        default=1.0,
        help="betänketiden gånger detta (bara för att prova blandningen snabbt; siffran gäller med 1)",
    )
    return p.parse_args()


def skriv_avsnitt(fil: Path, profil: str, text: str) -> None:
    """Writes `text` as profile `profil`'s section of the results file and keeps the other profile's section."""
    gammal = fil.read_text(encoding="utf-8") if fil.exists() else ""
    if gammal and "<!-- profil:" not in gammal:
        gammal = f"<!-- profil:mattnad -->\n{gammal.rstrip()}\n<!-- /profil:mattnad -->\n"  # before sections
    avsnitt = {}
    for namn in ("mattnad", "realistisk"):
        start, slut = f"<!-- profil:{namn} -->\n", f"<!-- /profil:{namn} -->\n"
        if start in gammal and slut in gammal:
            avsnitt[namn] = gammal.split(start, 1)[1].split(slut, 1)[0]
    avsnitt[profil] = text.rstrip() + "\n"
    fil.write_text(
        "\n".join(
            f"<!-- profil:{n} -->\n{avsnitt[n]}<!-- /profil:{n} -->\n"
            for n in ("mattnad", "realistisk")
            if n in avsnitt
        ),
        encoding="utf-8",
    )


def sekunder(tid: str) -> int:
    enheter = {"s": 1, "m": 60, "h": 3600}
    return int(tid[:-1]) * enheter[tid[-1]] if tid[-1] in enheter else int(tid)


def miljo(a: argparse.Namespace) -> dict:
    """Production-like settings for gunicorn; plain HTTP on loopback (no TLS proxy in front), stub login."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vardformedling.settings",
        "DEBUG": "0",
        "SECRET_KEY": "load-test-" + "x7Gq2mP9vR4tK8wZ" * 4,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_MANIFEST": "0",
        "WHITENOISE_USE_FINDERS": "1",
        "SITHS_STUB_ALLOWED": "1",
        "AUTH_MODE": "stub",
        "DATABASE_URL": a.db,
        "REDIS_URL": a.redis,
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore:No directory at",  # whitenoise: static files come from the finders here
    }


def forbered_data(a: argparse.Namespace, tmp: Path) -> tuple[Path, dict]:
    """Seeds the database when needed and writes one person (with their region's work) per simulated user."""
    os.environ.update({k: v for k, v in miljo(a).items() if k in ("DATABASE_URL", "REDIS_URL")})
    sys.path.insert(0, str(BENCH))
    import _common  # sets the production-like environment before Django loads)

    _common.forbered(a.scale)
    from django.db import connections
    from django.db.models import Count

    from arenden.models import OPPNA, Arende
    from katalog.models import Vardenhet, Vardutbud
    from scale import MARKOR
    from vardformedling.models import Medarbetaruppdrag, Region, Roll, User

    uppdrag = list(
        Medarbetaruppdrag.objects.filter(
            roll__in=[Roll.VARDLOTS, Roll.KOORDINATOR], user__hsa_id__contains=f"-{MARKOR}", user__is_active=True
        )
        .select_related("user", "region")
        .order_by("user__hsa_id")
    )
    per_region: dict[str, list] = {}
    for u in uppdrag:
        per_region.setdefault(u.region_id, []).append(u)
    regioner = list(Region.objects.order_by("kod"))
    valda = []  # region by region: the first person of every region, then the second, …
    for i in range(max((len(v) for v in per_region.values()), default=0)):
        valda += [per_region[r.kod][i] for r in regioner if len(per_region.get(r.kod, [])) > i]
    for i in range(len(valda), a.users):  # more users than seed_scale made: extra navigators, marked synthetic
        region = regioner[i % len(regioner)]
        user, _ = User.objects.get_or_create(
            hsa_id=f"SE{region.orgnr.replace('-', '')}-{MARKOR}LT{i:03d}",
            defaults={"namn": f"Lasttest vårdlots {i} {region.kod}"},
        )
        u, _ = Medarbetaruppdrag.objects.get_or_create(user=user, roll=Roll.VARDLOTS, region=region, vardenhet=None)
        valda.append(u)
    valda = valda[: a.users]
    kva = [
        r["kva_id"] for r in Vardutbud.objects.values("kva_id").annotate(n=Count("id")).order_by("-n", "kva_id")[:12]
    ]
    enheter = list(
        Vardenhet.objects.filter(aktiv=True, vardgivare__isnull=False, vardutbud__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("hsa_id", flat=True)[:400]
    )
    arenden: dict[str, list[str]] = {}
    personer = []
    for i, u in enumerate(valda):
        if u.region_id not in arenden:
            arenden[u.region_id] = list(
                Arende.objects.filter(region_id=u.region_id, status__in=OPPNA)
                .order_by("vardgaranti_datum", "pk")
                .values_list("case_id", flat=True)[:40]
            )
        if not arenden[u.region_id]:
            raise SystemExit(f"Inga öppna ärenden i region {u.region_id}; kör seed_scale (--scale) först.")
        personer.append(
            {
                "hsa_id": u.user.hsa_id,
                "roll": u.roll,
                "region": u.region_id,
                "sjukvardsregion": u.region.sjukvardsregion,
                "arenden": arenden[u.region_id],
                "kva": kva,
                "enheter": enheter[i % 10 :: 10][:40] or enheter,
            }
        )
    data = {
        "pnr_start": nasta_samordningsnummer(Arende.objects.all()),
        "enheter": Vardenhet.objects.filter(aktiv=True).count(),
        "syntetiska_enheter": Vardenhet.objects.filter(hsa_id__contains=f"-{MARKOR}").count(),
        "arenden": Arende.objects.count(),
        "personer": len(personer),
        "regioner": len({p["region"] for p in personer}),
        "roller": {r: sum(p["roll"] == r for p in personer) for r in {p["roll"] for p in personer}},
    }
    connections.close_all()
    fil = tmp / "anvandare.json"
    fil.write_text(json.dumps({"personer": personer, "pnr_start": data["pnr_start"]}), encoding="utf-8")
    return fil, data


def nasta_samordningsnummer(arenden) -> int:
    """A start in bench/load/pnr.py's series that no earlier run's registration has used.

    The case record holds no personnummer since issue 16 (identity is sealed under the region's key), so the
    numbers already used cannot be read back. Every successful registration of a run creates one case, so a run
    that started at 10 × (the highest case id then + 1) and registered N cases used numbers below
    10 × (that id + 1) + 10 × N as long as at most one attempt in ten failed (a failed attempt creates no case and
    its number is free to use again): 10 × (the highest case id now + 1) is past all of them."""
    senaste = arenden.order_by("-pk").values_list("pk", flat=True).first() or 0
    return 10 * (senaste + 1)


def forvarm(db: str) -> None:
    """Reads the database's tables and indexes into the OS page cache (pg_prewarm, mode 'read') right before the
    run. This VM's host reclaims idle page cache within minutes (DAMON pageout: 23 of 286 MB of a copy made five
    minutes earlier were still cached), and a run that starts cold waits on the disk for seconds (p95 3.3 s at 300
    users, against 0.1 s warm); a production database server keeps its working set in memory."""
    import psycopg

    sql = (
        "SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0) FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't', 'm') "
        "AND c.relpersistence = 'p'"
    )
    try:
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            block = conn.execute("SELECT current_setting('block_size')::int").fetchone()[0]
            sidor = int(conn.execute(sql).fetchone()[0])
    except psycopg.Error as exc:  # no contrib package or no right to create the extension: run as it is
        print(f"Databasen förvärmdes inte ({type(exc).__name__}: {exc}); körningen kan börja med kall cache.")
        return
    print(f"Databasen förvärmd: {sidor * block / 1e6:,.0f} MB lästa till sidcachen (pg_prewarm).", flush=True)


def ledig_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def starta_gunicorn(a: argparse.Namespace, port: int) -> subprocess.Popen:
    # The production settings file; only the address, the worker count and the access log (off: it would cost
    # the server CPU time it shares with locust) are set here.
    cmd = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "vardformedling.wsgi:application"]
    cmd += ["--log-level", "warning"]
    env = {
        **miljo(a),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(a.workers),
        "GUNICORN_ACCESS_LOG": "",
    }
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit("gunicorn avslutades direkt; se felutskriften ovan")
        time.sleep(0.1)
    stoppa(proc)
    raise SystemExit("gunicorn svarade inte på /healthz inom 30 s")


def stoppa(proc: subprocess.Popen) -> None:
    """Stops the gunicorn this script started (its own process group, by id)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def kor_locust(a, klass: str, tid: str, port: int, anvandare: Path, prefix: Path) -> dict:
    env = {**os.environ, "LOAD_USERS": str(anvandare), "LOAD_THINK": str(a.think)}
    cmd = [
        str(VENV_BIN / "locust"), "-f", str(HERE / "locustfile.py"), klass, "--headless",
        "-u", str(a.users), "-r", str(a.spawn_rate), "-t", tid, "--stop-timeout", "10",
        "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    print(f"locust {klass}: {a.users} användare, {tid} …", flush=True)
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=env, timeout=sekunder(tid) + 120, capture_output=True, text=True)
    except subprocess.TimeoutExpired as exc:
        raise SystemExit(f"locust ({klass}) blev inte klar i tid") from exc
    if not prefix.with_name(prefix.name + "_stats.csv").exists():
        raise SystemExit(f"locust ({klass}) skrev inga resultat (kod {p.returncode}):\n{p.stderr[-4000:]}")
    rader = list(csv.DictReader(prefix.with_name(prefix.name + "_stats.csv").open(encoding="utf-8")))
    undantag = list(csv.DictReader(prefix.with_name(prefix.name + "_exceptions.csv").open(encoding="utf-8")))
    fel = list(csv.DictReader(prefix.with_name(prefix.name + "_failures.csv").open(encoding="utf-8")))
    return {"kod": p.returncode, "rader": rader, "undantag": undantag, "fel": fel, "logg": p.stderr[-4000:]}


def tal(rad: dict, kolumn: str) -> float:
    v = rad.get(kolumn) or "0"
    return 0.0 if v == "N/A" else float(v)


def tabell(fas: str, res: dict) -> list[str]:
    ut = []
    for r in sorted(res["rader"], key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        namn = "**alla**" if r["Name"] == "Aggregated" else r["Name"]
        ut.append(
            f"| {fas} | {namn} | {int(tal(r, 'Request Count'))} | {tal(r, 'Requests/s'):.1f} | {tal(r, '50%'):.0f} "
            f"| {tal(r, '95%'):.0f} | {int(tal(r, 'Failure Count'))} |"
        )
    return ut


def aggregerat(res: dict) -> dict:
    return next(r for r in res["rader"] if r["Name"] == "Aggregated")


def antal_fel(res: dict) -> int:
    return int(tal(aggregerat(res), "Failure Count")) + sum(int(u.get("Count") or 1) for u in res["undantag"])


def main() -> int:
    a = argument()
    if a.profil == "realistisk":
        import run_realistisk

        return run_realistisk.main(a)
    if not a.db.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"Lasttestet körs mot PostgreSQL; --db är {a.db!r}.")
    try:
        import locust
    except ImportError:
        raise SystemExit("locust saknas: kör `make load-test` eller `.venv/bin/pip install '.[dev,load]'`.") from None

    with tempfile.TemporaryDirectory(prefix="vf-last-") as tmp_namn:
        tmp = Path(tmp_namn)
        t0 = time.perf_counter()
        anvandare, data = forbered_data(a, tmp)
        print(f"Data klara på {time.perf_counter() - t0:.0f} s: {data}", flush=True)
        forvarm(a.db)
        port = ledig_port()
        last_fore = os.getloadavg()
        proc = starta_gunicorn(a, port)
        try:
            blandning = kor_locust(a, "Navigator", a.duration, port, anvandare, tmp / "blandning")
            trivial = kor_locust(a, "Trivial", a.trivial_duration, port, anvandare, tmp / "trivial")
        finally:
            stoppa(proc)
        last_efter = os.getloadavg()
    fel_blandning, fel_trivial = antal_fel(blandning), antal_fel(trivial)
    rps_blandning = tal(aggregerat(blandning), "Requests/s")
    rps_trivial = tal(aggregerat(trivial), "Requests/s")
    kvot = rps_blandning / rps_trivial if rps_trivial else 0.0
    nproc = os.cpu_count()
    sys.path.insert(0, str(BENCH))
    import _common

    rok = a.scale < 1 or sekunder(a.duration) < 60
    text = [
        "# Load test",
        "",
        *([f"**Smoke run** (seed_scale {a.scale}, {a.duration}): not the national-scale figure.", ""] if rok else []),
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {platform.node()}, {nproc} cores ({_common.cpu_modell()}), "
        f"Python {platform.python_version()}, locust {locust.__version__}. Load average (1 min) before/after: "
        f"{last_fore[0]:.2f}/{last_efter[0]:.2f} (above {nproc} means other work shared the CPUs: the figures are "
        f"then pessimistic).",
        "",
        f"Settings: gunicorn {a.workers} sync workers (2 per core), DEBUG off, PostgreSQL "
        f"(`{a.db.rsplit('/', 1)[-1]}`: {data['enheter']:,} active units, {data['arenden']:,} cases; seed_scale "
        f"{a.scale} when it was seeded here), Redis cache and Celery broker, database sessions, SITHS login stub; "
        f"client, server, PostgreSQL and Redis on the same {nproc} cores, loopback only. "
        f"locust headless `-u {a.users} -r {a.spawn_rate:g} -t {a.duration}`, "
        f"{'no think time (capacity)' if not a.think else f'think time ~{a.think:g} s'}; then `-t "
        f"{a.trivial_duration}` against `/healthz`.",
        "",
        f"{data['personer']} different people ({', '.join(f'{n} {r}' for r, n in sorted(data['roller'].items()))}) "
        f"in {data['regioner']} regions, each signed in through POST /login/ with CSRF and working on its own "
        f"region's cases. Mix: start page, provider search with filters (page and HTMX filter), unit page, "
        f"lägesbild table (page and HTMX filter) and unit view, worklist with filters (page and HTMX), case pages, "
        f"and writes: register a case, assess one's own new case (step action, HTMX), notes (HTMX).",
        "",
        "| phase | request | count | req/s | p50 ms | p95 ms | failures |",
        "|---|---|---:|---:|---:|---:|---:|",
        *tabell("mix", blandning),
        *tabell("trivial view", trivial),
        "",
        f"**Throughput: mix {rps_blandning:.1f} req/s, trivial view {rps_trivial:.1f} req/s, ratio {kvot:.2f}. "
        f"Errors: {fel_blandning + fel_trivial}.**",
        "",
    ]
    for fas, res in (("mix", blandning), ("trivial view", trivial)):
        for f in res["fel"][:20]:
            text.append(f"- {fas} failure ×{f.get('Occurrences')}: {f.get('Method')} {f.get('Name')}: {f.get('Error')}")
        for u in res["undantag"][:20]:
            text.append(f"- {fas} exception ×{u.get('Count')}: {u.get('Message')}")
        if res["kod"] != 0:
            text.append(f"- {fas}: locust exit code {res['kod']}\n\n```\n{res['logg']}\n```")
    utskrift = "\n".join(text) + "\n"
    print(utskrift)
    skriv_avsnitt(a.resultat, "mattnad", utskrift)
    if fel_blandning or fel_trivial or blandning["kod"] or trivial["kod"]:
        print(f"FEL: {fel_blandning + fel_trivial} fel under lasttestet (ska vara 0).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
