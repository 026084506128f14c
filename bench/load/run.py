"""Load test: 50 concurrent navigators against gunicorn (2 workers per core) with PostgreSQL and Redis, on loopback.

    .venv/bin/python bench/load/run.py [--users 50] [--seconds 60] [--trivial-seconds 20] [--no-seed]

Starts everything it needs and stops it again: creates/migrates its own database `vf_load` (DATABASE_URL's server),
seeds it with `manage.py load_demo`, starts gunicorn with production-like settings (DEBUG off, Redis cache,
database sessions), signs every navigator in through the login stub (CSRF and all), then runs closed-loop
navigators (no think time: this measures capacity) over a realistic mix for a bounded time, and the same number of
clients against /healthz (a trivial view: one SELECT 1) for the ratio. Prints a table and writes RESULTS.md here.
Errors (non-2xx, timeouts) must be zero: the script exits 1 otherwise.
"""

import argparse
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PG = os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("LOAD_REDIS", "redis://127.0.0.1:6379/7")
DB = "vf_load"
NAVIGATOR = "SE2321000180-VL01"  # demo vårdlots, Region Dalarna (20)

# (name, weight): what a navigator does in a working hour, roughly.
MIX = [
    ("startsida", 10),
    ("sok", 30),
    ("enhet", 15),
    ("lagesbild", 15),
    ("arbetslista", 20),
    ("arende", 10),
]
SEARCHES = [
    "/katalog/sok/?q=CJE&patientregion=20",
    "/katalog/sok/?q=NGB&patientregion=20&asa=3&med_avtal=on",
    "/katalog/sok/?q=CJE&region=03&narkos=on",
    "/katalog/sok/?q=NFB&sjukvardsregion=Mellansverige&max_vantetid=120",
]
UNITS = [
    "/katalog/enheter/SE2321000180-FALU01/",
    "/katalog/enheter/SE5560000001-OGON02/",
    "/katalog/enheter/SE2321000206-OGON01/",
    "/katalog/enheter/SE5565432100-CAPIO1/",
]
LAGESBILD = ["/lagesbild/?kva=CJE", "/lagesbild/?kva=NGB&niva=region", "/lagesbild/?kva=CJE&period=365"]
WORKLISTS = ["/arenden/", "/arenden/?flik=region", "/arenden/?status=alla&steg=2"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vardformedling.settings",
        "DEBUG": "0",
        "SECRET_KEY": "load-test-" + "x7Gq2mP9vR4tK8wZ" * 4,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",  # loopback without TLS; everything else as in production
        "STATIC_MANIFEST": "0",
        "WHITENOISE_USE_FINDERS": "1",
        "SITHS_STUB_ALLOWED": "1",
        "DATABASE_URL": f"{PG}/{DB}",
        "REDIS_URL": REDIS,
        "LOG_LEVEL": "WARNING",
    }


def seed() -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        # A fresh database every run: migrations of apps still in development may have been rewritten.
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    py = sys.executable
    t = time.perf_counter()
    subprocess.run([py, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env(), check=True)
    subprocess.run([py, "manage.py", "load_demo"], cwd=ROOT, env=env(), check=True, stdout=subprocess.DEVNULL)
    print(f"Databasen {DB} migrerad och demodata inläst på {time.perf_counter() - t:.0f} s")


def case_ids() -> list[str]:
    with psycopg.connect(f"{PG}/{DB}") as conn:
        rows = conn.execute("SELECT case_id FROM arenden_arende WHERE region_id = '20' ORDER BY id LIMIT 30").fetchall()
    return [r[0] for r in rows]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    cmd = [
        sys.executable, "-m", "gunicorn", "vardformedling.wsgi:application",
        "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env(), start_new_session=True)
    for _ in range(200):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("gunicorn startade inte")


class Navigator:
    """One signed-in browser. Production cookies are Secure, so over plain loopback HTTP we send them ourselves."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()
        self.cookies: dict[str, str] = {}

    def _send(self, method: str, path: str, **kw) -> requests.Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **kw.pop("headers", {})}
        r = self.http.request(method, self.base + path, headers=headers, allow_redirects=False, timeout=30, **kw)
        for c in r.cookies:
            self.cookies[c.name] = c.value
        self.http.cookies.clear()
        return r

    def login(self, hsa_id: str) -> None:
        self._send("GET", "/login/")
        r = self._send(
            "POST",
            "/login/",
            data={"hsa_id": hsa_id, "csrfmiddlewaretoken": self.cookies["csrftoken"], "next": "/"},
            headers={"Referer": self.base + "/login/"},
        )
        if r.status_code != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"Inloggningen misslyckades ({r.status_code})")

    def get(self, path: str) -> requests.Response:
        return self._send("GET", path)


def url_for(kind: str, rnd: random.Random, cases: list[str]) -> str:
    return {
        "startsida": lambda: "/",
        "sok": lambda: rnd.choice(SEARCHES),
        "enhet": lambda: rnd.choice(UNITS),
        "lagesbild": lambda: rnd.choice(LAGESBILD),
        "arbetslista": lambda: rnd.choice(WORKLISTS),
        "arende": lambda: f"/arenden/{rnd.choice(cases)}/",
    }[kind]()


def run_phase(navs: list[Navigator], seconds: float, pick) -> dict:
    """Every navigator requests in a loop until the deadline; returns latencies per kind and errors."""
    deadline = time.perf_counter() + seconds
    results: dict[str, list[float]] = {}
    errors: list[str] = []
    lock = threading.Lock()

    def worker(i: int, nav: Navigator) -> None:
        rnd = random.Random(i)
        local: dict[str, list[float]] = {}
        while time.perf_counter() < deadline:
            kind, path = pick(rnd)
            t = time.perf_counter()
            try:
                r = nav.get(path)
                ok = r.status_code == 200
                status = r.status_code
            except requests.RequestException as exc:
                ok, status = False, type(exc).__name__
            local.setdefault(kind, []).append(time.perf_counter() - t)
            if not ok:
                with lock:
                    errors.append(f"{status} {path}")
        with lock:
            for k, v in local.items():
                results.setdefault(k, []).extend(v)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i, n)) for i, n in enumerate(navs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": results, "errors": errors, "elapsed": time.perf_counter() - start}


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def summarise(name: str, phase: dict) -> list[tuple]:
    rows = []
    alla = [v for vs in phase["latencies"].values() for v in vs]
    for kind, vs in sorted(phase["latencies"].items()):
        rows.append((f"{name}: {kind}", len(vs), len(vs) / phase["elapsed"], pct(vs, 50) * 1000, pct(vs, 95) * 1000))
    if len(phase["latencies"]) > 1:
        rows.append(
            (f"{name}: ALLA", len(alla), len(alla) / phase["elapsed"], pct(alla, 50) * 1000, pct(alla, 95) * 1000)
        )
    return rows


def table(rows: list[tuple]) -> str:
    head = "| Scenario | Anrop | Anrop/s | p50 (ms) | p95 (ms) |\n|---|---:|---:|---:|---:|\n"
    return head + "\n".join(f"| {r[0]} | {r[1]} | {r[2]:.1f} | {r[3]:.0f} | {r[4]:.0f} |" for r in rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--trivial-seconds", type=float, default=20)
    ap.add_argument("--no-seed", action="store_true")
    args = ap.parse_args()
    if not args.no_seed:
        seed()
    cases = case_ids()
    if not cases:
        raise SystemExit("Inga ärenden i region 20 – kör utan --no-seed")
    workers = 2 * (os.cpu_count() or 1)
    port = free_port()
    proc = start_gunicorn(port, workers)
    try:
        base = f"http://127.0.0.1:{port}"
        navs = []
        for _ in range(args.users):
            n = Navigator(base)
            n.login(NAVIGATOR)
            navs.append(n)
        # Warm-up and sanity: every page of the mix answers 200 for this navigator.
        for kind, _ in MIX:
            for path in {url_for(kind, random.Random(s), cases) for s in range(8)}:
                r = navs[0].get(path)
                if r.status_code != 200:
                    raise SystemExit(f"Uppvärmning: {path} gav {r.status_code}")
        kinds, weights = zip(*MIX, strict=True)

        def pick_mix(rnd):
            kind = rnd.choices(kinds, weights)[0]
            return kind, url_for(kind, rnd, cases)

        load_at_start = os.getloadavg()  # other work on the machine skews everything: reported with the figures
        mix = run_phase(navs, args.seconds, pick_mix)
        trivial = run_phase(navs, args.trivial_seconds, lambda rnd: ("healthz", "/healthz"))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    rows = summarise("Blandning", mix) + summarise("Trivial vy", trivial)
    alla_mix = [v for vs in mix["latencies"].values() for v in vs]
    mix_rps = len(alla_mix) / mix["elapsed"]
    triv = trivial["latencies"]["healthz"]
    triv_rps = len(triv) / trivial["elapsed"]
    errors = mix["errors"] + trivial["errors"]
    cpu = re.sub(r"\s+", " ", _cpu_model())
    load_before, load_after = load_at_start, os.getloadavg()
    text = (
        f"# Lasttest\n\n{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {platform.node()}, "
        f"{os.cpu_count()} kärnor ({cpu}), "
        f"Python {platform.python_version()}.\n\n"
        f"gunicorn {workers} sync-workers (2 per kärna), PostgreSQL och Redis på samma maskin, loopback. "
        f"{args.users} samtidiga inloggade vårdlotsar utan betänketid (mäter kapacitet), {args.seconds:.0f} s "
        f"blandning + {args.trivial_seconds:.0f} s mot /healthz. Klienten (Python-trådar) delar de "
        f"{os.cpu_count()} kärnorna med servern. Maskinens load average (1 min) före/efter: "
        f"{load_before[0]:.1f}/{load_after[0]:.1f} – över {os.cpu_count()} betyder att annat arbete delade CPU:n "
        f"och att siffrorna är pessimistiska.\n\n"
        f"Blandning: startsida 10 %, sökning med filter 30 %, enhetssida 15 %, lägesbild 15 %, arbetslista 20 %, "
        f"ärendesida 10 %.\n\n{table(rows)}\n\n"
        f"**Genomströmning blandning {mix_rps:.1f} anrop/s mot trivial vy {triv_rps:.1f} anrop/s "
        f"(kvot {mix_rps / triv_rps:.2f}). Fel: {len(errors)}.**\n"
    )
    if errors:
        text += "\nFel (de första 20):\n\n" + "\n".join(f"- {e}" for e in errors[:20]) + "\n"
    print(text)
    (HERE / "RESULTS.md").write_text(text, encoding="utf-8")
    return 1 if errors else 0


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "okänd CPU"


if __name__ == "__main__":
    sys.exit(main())
