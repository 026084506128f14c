"""The read replica for real (issue 21, point 3): a PRIVATE primary and a streaming replica made with
`pg_basebackup -R` (free ports under /tmp, never the shared PostgreSQL), and gunicorn with DATABASE_REPLICA_URL.

- Routing: with replay paused on the replica, a read-only page (the unit page of Hitta vårdgivare) shows what the
  replica holds, not what the primary has; a POST writes on the primary; the writer reads their own write at once
  (the pin cookie), and everyone sees it once the replica has replayed it.
- Lag: a gunicorn allowing 1 s of lag bypasses the paused replica and shows the primary's data.
- Failover: replica stopped → the pages still answer 200 from the primary, also in a process that had found the
  replica healthy a moment before (the query that fails is answered again from the primary).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from tests.faults.conftest import ROOT, wait_for
from tests.faults.test_postgres_restart import AS_POSTGRES, PG_BIN, manage, pg
from tests.processer import free_port

PIN_COOKIE = "vf_primar"


class Kluster:
    """A PostgreSQL data folder with its own port, started and stopped with pg_ctl."""

    def __init__(self, base: Path, namn: str):
        self.data = base / namn
        self.base = base
        self.port = free_port()
        self.log = base / f"{namn}.log"

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.base} -h 127.0.0.1 -c fsync=off"
        pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-o", opts, "start")

    def stop(self, mode: str = "fast") -> None:
        pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def sql(self, query: str) -> str:
        return pg(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-AtXq", "-c", query
        ).stdout.strip()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def privat_primar():
    """(folder, primary): a throw-away primary with trust auth, on a free port; removed afterwards with every
    cluster the test made in the folder."""
    tools = ("initdb", "pg_ctl", "pg_basebackup", "postgres")
    missing = [str(PG_BIN / tool) for tool in tools if not (PG_BIN / tool).exists()]
    if missing:
        pytest.fail(f"the read-replica test cannot run, missing: {', '.join(missing)} (PostgreSQL 15 server package)")
    base = Path(tempfile.mkdtemp(prefix="vf-faults-replika-"))
    if AS_POSTGRES:
        shutil.chown(base, "postgres", "postgres")
    primar = Kluster(base, "primar")
    try:
        pg(str(PG_BIN / "initdb"), "-D", str(primar.data), "-A", "trust", "-U", "postgres", "--no-sync")
        primar.start()
        yield base, primar
    finally:
        for data in sorted(base.iterdir()):
            if (data / "PG_VERSION").exists() and data != primar.data:
                subprocess.run([*AS_POSTGRES, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                               capture_output=True, timeout=60)  # fmt: skip
        subprocess.run([*AS_POSTGRES, str(PG_BIN / "pg_ctl"), "-D", str(primar.data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def primar_och_replika(privat_primar):
    """(primary, replica): the private primary and its streaming replica made with pg_basebackup -R."""
    base, primar = privat_primar
    replika = Kluster(base, "replika")
    pg(str(PG_BIN / "pg_basebackup"), "-D", str(replika.data), "-h", "127.0.0.1", "-p", str(primar.port),
       "-U", "postgres", "-R", "-X", "stream", "--no-sync", "-c", "fast")  # fmt: skip
    replika.start()
    assert replika.sql("SELECT pg_is_in_recovery()") == "t"
    return primar, replika


def test_the_compose_replica_entrypoint_makes_a_streaming_replica(privat_primar):
    """deploy/postgres/replika.sh, as db-replica runs it (docker-compose.yml), against the private primary: it copies
    the primary through the slot "replika" and runs a hot standby that replays what the primary writes next."""
    base, primar = privat_primar
    replika = Kluster(base, "compose-replika")
    env = {
        "PATH": f"{PG_BIN}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "PGDATA": str(replika.data),
        "PRIMAR_HOST": "127.0.0.1",
        "PRIMAR_PORT": str(primar.port),
        "REPLIKERING_USER": "postgres",
        "PGPASSWORD": "oanvant-med-trust",
        "PGPORT": str(replika.port),  # the replica's own port (compose: 5432 in its own container)
    }
    script = str(ROOT / "deploy" / "postgres" / "replika.sh")
    argv = ["env", *(f"{k}={v}" for k, v in env.items()), "bash", script, "-c", f"unix_socket_directories={base}"]
    with open(replika.log, "w") as log:
        proc = subprocess.Popen([*AS_POSTGRES, *argv], stdout=log, stderr=subprocess.STDOUT)

    def svarar() -> bool:
        assert proc.poll() is None, replika.log.read_text()[-3000:]
        try:
            return replika.sql("SELECT pg_is_in_recovery()") == "t"
        except subprocess.CalledProcessError:
            return False

    try:
        assert wait_for(svarar, timeout=60, step=0.2), replika.log.read_text()[-3000:]
        assert primar.sql("SELECT slot_type FROM pg_replication_slots WHERE slot_name = 'replika'") == "physical"
        primar.sql("CREATE TABLE efter_kopian (x int); INSERT INTO efter_kopian VALUES (42)")
        ikapp(primar, replika)
        assert replika.sql("SELECT x FROM efter_kopian") == "42"
        assert primar.sql("SELECT active FROM pg_replication_slots WHERE slot_name = 'replika'") == "t"
    finally:
        replika.stop("immediate")
        proc.wait(timeout=30)


def ikapp(primar: Kluster, replika: Kluster) -> None:
    """Waits until the replica has replayed everything the primary has written."""
    lsn = primar.sql("SELECT pg_current_wal_lsn()")
    assert wait_for(
        lambda: replika.sql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn") == "t", timeout=30, step=0.1
    ), "the replica did not catch up"


def replikans_fragor(replika: Kluster) -> str:
    """The last query of every portal connection to the replica (pg_stat_activity keeps it while idle)."""
    return replika.sql(
        "SELECT string_agg(query, ' ; ') FROM pg_stat_activity "
        "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
    )


class Gunicorn:
    def __init__(self, env: dict, workers: int = 1):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "gunicorn", "vardformedling.wsgi:application", "-w", str(workers)]
        self.proc = subprocess.Popen(
            [*cmd, "-b", f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "30"], cwd=ROOT, env=env
        )
        assert wait_for(self._svarar, timeout=40, step=0.1), "gunicorn did not answer /healthz"

    def _svarar(self) -> bool:
        assert self.proc.poll() is None, "gunicorn stopped"
        try:
            return requests.get(self.base + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def sign_in(base: str, hsa_id: str) -> dict[str, str]:
    form = requests.get(base + "/login/", timeout=15)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    cookies = {"csrftoken": form.cookies["csrftoken"]}
    done = requests.post(
        base + "/login/", data={"hsa_id": hsa_id, "csrfmiddlewaretoken": token}, cookies=cookies, timeout=15,
        allow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 302, done.text
    assert PIN_COOKIE in done.cookies, "signing in wrote (the session): the browser is pinned to the primary"
    return {**cookies, "sessionid": done.cookies["sessionid"]}


def publicera(base: str, cookies: dict, kontakt: str) -> dict[str, str]:
    """POSTs a capacity announcement of the signed-in unit; returns the cookies the answer set (the pin)."""
    form = requests.get(base + "/katalog/kapacitet/ny/", cookies=cookies, timeout=15)
    assert form.status_code == 200, form.status_code
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    data = {
        "typ": "erbjuder",
        "kva": "CJE",
        "antal": "3",
        "period": "v. 10–14",
        "kontakt": kontakt,
        "giltig_till": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "csrfmiddlewaretoken": token,
    }
    done = requests.post(base + "/katalog/kapacitet/ny/", data=data, cookies=cookies, timeout=15,
                         allow_redirects=False)  # fmt: skip
    assert done.status_code == 302, done.text[:2000]
    assert PIN_COOKIE in done.cookies
    return {PIN_COOKIE: done.cookies[PIN_COOKIE]}


def enhetssida(base: str, cookies: dict, hsa_id: str) -> str:
    page = requests.get(f"{base}/katalog/enheter/{hsa_id}/", cookies=cookies, timeout=15, allow_redirects=False)
    assert page.status_code == 200, (page.status_code, page.text[:500])
    return page.text


def test_read_only_pages_read_from_the_replica_writes_and_own_writes_from_the_primary(primar_och_replika):
    primar, replika = primar_och_replika
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vardformedling.settings_test",
        "DATABASE_URL": primar.url,
        "DATABASE_REPLICA_URL": replika.url,
    }
    manage(env, "migrate", "--noinput", "-v0")
    code = (
        "from tests.factories import VardenhetFactory, make_user; from vardformedling.models import Roll; "
        "e = VardenhetFactory(); u = make_user(Roll.VARDLOTS, '20', vardenhet=e); print(u.hsa_id + '|' + e.hsa_id)"
    )
    hsa_id, enhet = manage(env, "shell", "-c", code).strip().splitlines()[-1].split("|")
    ikapp(primar, replika)

    # A: the replica is used whatever its lag, and its health is asked once (then cached): routing and the
    # failover of a query that fails mid-request. B: 1 s of lag at most, asked every 0.2 s.
    a = Gunicorn({**env, "DATABASE_REPLICA_MAX_LAG": "3600", "DATABASE_REPLICA_KONTROLL": "3600"})
    b = Gunicorn({**env, "DATABASE_REPLICA_MAX_LAG": "1", "DATABASE_REPLICA_KONTROLL": "0.2"})
    try:
        session_a, session_b = sign_in(a.base, hsa_id), sign_in(b.base, hsa_id)
        assert "Replikatest" not in enhetssida(a.base, session_a, enhet)
        assert 'SELECT "' in replikans_fragor(replika), "the unit page read from the replica (an ORM query ran there)"

        # The replica stops replaying; the user publishes an announcement (a POST: the primary).
        replika.sql("SELECT pg_wal_replay_pause()")
        pin = publicera(a.base, session_a, "Replikatest Ett")
        assert primar.sql("SELECT count(*) FROM katalog_kapacitetsannons WHERE kontakt = 'Replikatest Ett'") == "1"
        assert replika.sql("SELECT count(*) FROM katalog_kapacitetsannons WHERE kontakt = 'Replikatest Ett'") == "0"
        # The writer sees their own write at once (pinned to the primary) …
        assert "Replikatest Ett" in enhetssida(a.base, {**session_a, **pin}, enhet)
        # … while a read-only page without the pin reads from the (paused) replica: routing proven by the data.
        assert "Replikatest Ett" not in enhetssida(a.base, session_a, enhet)
        # B allows 1 s of lag: the paused replica is more than that behind, so B reads from the primary.
        time.sleep(1.5)
        assert "Replikatest Ett" in enhetssida(b.base, session_b, enhet)
        # Pages other than the read-only ones read from the primary anyway.
        lista = requests.get(a.base + "/katalog/kapacitet/", cookies=session_a, timeout=15)
        assert lista.status_code == 200 and "Replikatest Ett" in lista.text

        # Replay resumes: the replica catches up and everyone sees the announcement from it.
        replika.sql("SELECT pg_wal_replay_resume()")
        ikapp(primar, replika)
        assert "Replikatest Ett" in enhetssida(a.base, session_a, enhet)

        # Failover: the replica goes away. A still believes it healthy (checked once): the query fails and the page
        # is answered again from the primary; B finds it down at its next check. No 500 anywhere.
        replika.stop("immediate")
        for gunicorn, session in ((a, session_a), (b, session_b), (a, session_a), (b, session_b)):
            assert "Replikatest Ett" in enhetssida(gunicorn.base, session, enhet)
        for url in ("/lagesbild/", "/katalog/sok/", "/uppfoljning/", "/arenden/"):
            for gunicorn, session in ((a, session_a), (b, session_b)):
                page = requests.get(gunicorn.base + url, cookies=session, timeout=15, allow_redirects=False)
                assert page.status_code in (200, 302, 403), (url, page.status_code, page.text[:300])
        pin = publicera(b.base, session_b, "Replikatest Två")  # writes go on as before
        assert "Replikatest Två" in enhetssida(a.base, session_a, enhet)

        # The replica comes back: B finds it healthy at its next check (0.2 s) and reads from it again; its
        # connection's last query on the replica is one of the unit page's.
        replika.start()
        ikapp(primar, replika)
        time.sleep(0.3)
        assert "Replikatest Två" in enhetssida(b.base, session_b, enhet)
        assert 'SELECT "' in replikans_fragor(replika)
    finally:
        a.stop()
        b.stop()
    for proc in (a.proc, b.proc):
        assert proc.returncode == 0
