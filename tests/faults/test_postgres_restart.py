"""PostgreSQL restarted under a running gunicorn: /healthz says 503 while it is down and 200 after, a signed-in
page gives a clean Swedish 503 page meanwhile, and the same session works again afterwards – without restarting
the web server or signing in anew. Runs on a PRIVATE cluster (initdb under /tmp, own port) – never the shared
PostgreSQL.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from tests.faults.conftest import ROOT
from tests.processer import free_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
DB_DOWN_TITLE = "Tjänsten är tillfälligt otillgänglig"


def pg(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*AS_POSTGRES, *args], check=True, capture_output=True, text=True, timeout=60, **kw)


@pytest.fixture
def private_postgres():
    """Yields (port, start, stop) for a throw-away cluster with trust auth; removed afterwards."""
    missing = [str(PG_BIN / tool) for tool in ("initdb", "pg_ctl") if not (PG_BIN / tool).exists()]
    if AS_POSTGRES and not shutil.which("runuser"):
        missing.append("runuser (needed to run PostgreSQL as the postgres user when the tests run as root)")
    if missing:
        pytest.fail(f"PostgreSQL restart test cannot run, missing: {', '.join(missing)}. Install the PostgreSQL 15 "
                    "server package or point PG_BIN at its bin folder.")  # fmt: skip
    base = Path(tempfile.mkdtemp(prefix="vf-faults-pg-"))
    data = base / "data"
    if AS_POSTGRES:
        shutil.chown(base, "postgres", "postgres")
    port = free_port()
    log = base / "log.txt"

    def start():
        opts = f"-p {port} -k {base} -h 127.0.0.1 -c fsync=off"
        pg(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", opts, "start")

    def stop():
        pg(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")

    try:
        pg(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        start()
        yield port, start, stop
    finally:
        subprocess.run([*AS_POSTGRES, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def gunicorn_on(private_postgres):
    """gunicorn (2 workers, as production runs it) on the private cluster, migrated, with one signed-up user.
    Yields (base URL, start, stop, process, the user's HSA-id and name)."""
    port_pg, start, stop = private_postgres
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vardformedling.settings_test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port_pg}/postgres",
    }
    manage(env, "migrate", "--noinput", "-v0")
    code = (
        "from tests.factories import make_user; from vardformedling.models import Roll; "
        "u = make_user(Roll.VARDLOTS, '20'); print(u.hsa_id + '|' + u.namn)"
    )
    hsa_id, namn = manage(env, "shell", "-c", code).strip().splitlines()[-1].split("|")
    cmd = [sys.executable, "-m", "gunicorn", "vardformedling.wsgi:application", "-w", "2", "-b", f"127.0.0.1:{port}"]
    proc = subprocess.Popen([*cmd, "--log-level", "warning", "--timeout", "30"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(base + "/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield base, start, stop, proc, hsa_id, namn
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def sign_in(base: str, hsa_id: str) -> dict[str, str]:
    """Signs in through the SITHS stub's form; returns the cookies to send. (The cookies are Secure, which
    `requests` will not send over plain HTTP by itself, so they are passed by hand.)"""
    form = requests.get(base + "/login/", timeout=15)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    cookies = {"csrftoken": form.cookies["csrftoken"]}
    done = requests.post(
        base + "/login/", data={"hsa_id": hsa_id, "csrfmiddlewaretoken": token}, cookies=cookies, timeout=15,
        allow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 302, done.text
    return {**cookies, "sessionid": done.cookies["sessionid"]}


def statuses(url: str, n: int = 6, **kw) -> list[int]:
    """Several requests so every gunicorn worker (each with its own connection) is asked."""
    return [requests.get(url, timeout=15, allow_redirects=False, **kw).status_code for _ in range(n)]


def test_postgres_restart_gives_503_then_200_and_signed_in_users_keep_their_session(gunicorn_on):
    base, start, stop, proc, hsa_id, namn = gunicorn_on
    cookies = sign_in(base, hsa_id)
    assert set(statuses(base + "/healthz")) == {200}
    for url in ("/lagesbild/", "/arenden/"):
        page = requests.get(base + url, cookies=cookies, timeout=15, allow_redirects=False)
        assert page.status_code == 200 and namn in page.text, url

    stop()
    t = time.monotonic()
    down = statuses(base + "/healthz")
    assert set(down) == {503}, down
    assert time.monotonic() - t < 20, "requests fail fast while the database is down"
    assert requests.get(base + "/healthz", timeout=15).text == "databasen svarar inte"
    for url in ("/lagesbild/", "/arenden/", "/lagesbild/", "/arenden/"):  # twice: both gunicorn workers
        page = requests.get(base + url, cookies=cookies, timeout=15, allow_redirects=False)
        assert page.status_code == 503, (url, page.status_code, page.text[:300])
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert '<html lang="sv">' in page.text and f"<h1>{DB_DOWN_TITLE}</h1>" in page.text
        assert "Databasen svarar inte just nu" in page.text
        for leak in (
            "Traceback",
            'File "',
            "OperationalError",
            "psycopg",
            "connection failed",
            "Internal Server Error",
        ):
            assert leak not in page.text, (url, leak)
        assert "sessionid" not in page.cookies, "the session cookie is left alone while the database is down"

    start()
    assert set(statuses(base + "/healthz")) == {200}, "workers reconnect by themselves"
    for url in ("/lagesbild/", "/arenden/", "/lagesbild/", "/arenden/"):
        page = requests.get(base + url, cookies=cookies, timeout=15, allow_redirects=False)
        assert page.status_code == 200, (url, page.status_code, page.headers.get("Location"))
        assert namn in page.text, "the same session, still signed in (sessions are stored in the database)"
    assert proc.poll() is None, "gunicorn kept running through the outage"
