"""PostgreSQL restarted under a running gunicorn: /healthz says 503 while it is down and 200 after, without a restart
of the web server. Runs on a PRIVATE cluster (initdb under /tmp, own port) – never the shared PostgreSQL.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from tests.faults.conftest import ROOT, free_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

pytestmark = pytest.mark.skipif(
    not (PG_BIN / "initdb").exists() or (not shutil.which("runuser") and os.geteuid() == 0),
    reason=f"PostgreSQL server binaries not found in {PG_BIN} (set PG_BIN) or runuser missing",
)


def pg(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*AS_POSTGRES, *args], check=True, capture_output=True, text=True, timeout=60, **kw)


@pytest.fixture
def private_postgres():
    """Yields (port, start, stop) for a throw-away cluster with trust auth; removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="vf-faults-pg-"))
    data = base / "data"
    if AS_POSTGRES:
        shutil.chown(base, "postgres", "postgres")
    port = free_port()
    pg(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    log = base / "log.txt"

    def start():
        pg(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", f"-p {port} -k {base} -h 127.0.0.1",
           "start")  # fmt: skip

    def stop():
        pg(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")

    start()
    try:
        yield port, start, stop
    finally:
        subprocess.run([*AS_POSTGRES, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def gunicorn_on(private_postgres):
    port_pg, start, stop = private_postgres
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vardformedling.settings_test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port_pg}/postgres",
    }
    cmd = [sys.executable, "-m", "gunicorn", "vardformedling.wsgi:application", "-w", "2", "-b", f"127.0.0.1:{port}"]
    proc = subprocess.Popen([*cmd, "--log-level", "warning", "--timeout", "30"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(base + "/healthz", timeout=2)
            break
        except requests.RequestException:
            time.sleep(0.1)
    try:
        yield base, start, stop, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def statuses(url: str, n: int = 6) -> list[int]:
    """Several requests so every gunicorn worker (each with its own connection) is asked."""
    return [requests.get(url, timeout=15).status_code for _ in range(n)]


def test_postgres_restart_gives_503_then_200_without_restarting_the_web_server(gunicorn_on):
    base, start, stop, proc = gunicorn_on
    assert set(statuses(base + "/healthz")) == {200}

    stop()
    t = time.monotonic()
    down = statuses(base + "/healthz")
    assert set(down) == {503}, down
    assert time.monotonic() - t < 20, "requests fail fast while the database is down"
    body = requests.get(base + "/healthz", timeout=15).text
    assert "databasen svarar inte" in body

    start()
    assert set(statuses(base + "/healthz")) == {200}, "workers reconnect by themselves"
    assert proc.poll() is None, "gunicorn kept running through the outage"
