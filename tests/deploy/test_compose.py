"""docker-compose.yml, checked without Docker: the services, the web health check against a real gunicorn started
the way the web service starts it, and one gunicorn settings file for the image, compose and the load test."""

import os
import re
import runpy
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.processer import database_url, free_port

ROOT = Path(__file__).resolve().parents[2]
# What an operator's .env holds (compose reads it both as env_file and for ${…} in the file).
DOT_ENV = {"ALLOWED_HOSTS": "vardformedling.example.se", "POSTGRES_PASSWORD": "hemligt"}


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} with the given .env; $$ is a literal $."""

    def one(m: re.Match) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise AssertionError(f"compose would refuse to start: {arg}")
        return arg or ""

    value = re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, value.replace("$$", "\0"))
    return value.replace("\0", "$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: interpolate(str(v), DOT_ENV) for k, v in env.items()}


def health_check_code(compose: dict) -> str:
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], test
    return test[3]


def web_gunicorn_args(compose: dict) -> list[str]:
    """The gunicorn command line of the web service (after `migrate &&`)."""
    outer = shlex.split(compose["services"]["web"]["command"])
    assert outer[:2] == ["sh", "-c"], outer
    inner = shlex.split(outer[2])
    start = inner.index("gunicorn")
    assert inner[start - 1] == "exec", "gunicorn must replace the shell to get the stop signal"
    return inner[start + 1 :]


def test_the_stack_has_web_worker_beat_postgres_and_redis(compose):
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("web", "worker", "beat"):
        assert services[name]["image"] == "vardformedling:latest" and services[name]["build"] == "."
        env = environment(services[name])
        assert env["DEBUG"] == "0"
        assert env["DATABASE_URL"].startswith("postgres://vardformedling:hemligt@db:5432/")
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
    assert "celery -A vardformedling worker" in services["worker"]["command"]
    assert "celery -A vardformedling beat" in services["beat"]["command"]
    assert set(services["web"]["depends_on"]) == {"db", "redis"}


def test_the_web_health_check_sends_a_host_that_allowed_hosts_holds(compose):
    host = re.search(r"""['"]Host['"]\s*:\s*['"]([^'"]+)['"]""", health_check_code(compose)).group(1)
    allowed = [h.strip() for h in environment(compose["services"]["web"])["ALLOWED_HOSTS"].split(",")]
    assert "vardformedling.example.se" in allowed, "the operator's hosts are kept"
    assert host in allowed


def test_web_and_the_image_start_gunicorn_with_the_shared_settings_file(compose):
    args = web_gunicorn_args(compose)
    assert args[:2] == ["-c", "gunicorn_conf.py"] and "vardformedling.wsgi:application" in args
    assert not {"-w", "--workers", "-b", "--bind", "--timeout"} & set(args), "these belong in gunicorn_conf.py"
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["gunicorn", "-c", "gunicorn_conf.py", "vardformedling.wsgi:application"]' in dockerfile
    assert 'ROOT / "gunicorn_conf.py"' in (ROOT / "bench" / "load" / "run.py").read_text(encoding="utf-8")


def test_the_gunicorn_settings_file_runs_2_workers_per_core_unless_told(monkeypatch):
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn_conf.py"))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert conf["workers"] == 2 * cores
    assert conf["bind"] == "0.0.0.0:8000" and conf["timeout"] == 60 and conf["accesslog"] == "-"
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "")
    conf = runpy.run_path(str(ROOT / "gunicorn_conf.py"))
    assert conf["workers"] == 3 and conf["accesslog"] is None


@pytest.mark.django_db(transaction=True)
def test_the_web_health_check_passes_against_gunicorn_started_like_the_web_service(compose, tmp_path):
    """gunicorn from the web service's command line and environment (database and Redis pointed at the test's,
    one worker, a free port); the health check's own code then exits 0. Without its Host header it would get 400."""
    from django.db import connection

    db = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        **environment(compose["services"]["web"]),
        "SECRET_KEY": "compose-test-Rk4-p9Wz_m-" * 3,
        "DJANGO_SETTINGS_MODULE": "vardformedling.settings",
        "DATABASE_URL": database_url(db),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12"),
        "LAGESBILD_INBOX": str(tmp_path / "inbox"),
        "VAR_DIR": str(tmp_path),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    for name in ("STATIC_MANIFEST", "WHITENOISE_USE_FINDERS", "SITHS_STUB_ALLOWED", "SECURE_SSL_REDIRECT"):
        env.pop(name, None)  # as in production (the test settings set these)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *web_gunicorn_args(compose)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    check = health_check_code(compose).replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    assert check != health_check_code(compose)
    try:
        deadline = time.time() + 30
        while (done := subprocess.run([sys.executable, "-c", check], capture_output=True, timeout=10)).returncode:
            assert proc.poll() is None, "gunicorn stopped"
            assert time.time() < deadline, done.stderr.decode()[-2000:]
            time.sleep(0.3)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)  # Host: 127.0.0.1:<port>
        assert refused.value.code == 400
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_read_replica_streams_from_db_and_the_app_reads_read_only_pages_from_it(compose):
    """db-replica is a hot standby copied from db by deploy/postgres/replika.sh (run for real against a private
    primary in tests/faults/test_read_replica.py); db accepts replication with a password from the network."""
    services = compose["services"]
    replika = services["db-replica"]
    assert replika["image"] == services["db"]["image"], "the replica runs the primary's PostgreSQL version"
    assert replika["entrypoint"] == ["bash", "/replika.sh"]
    assert "./deploy/postgres/replika.sh:/replika.sh:ro" in replika["volumes"]
    script = (ROOT / "deploy" / "postgres" / "replika.sh").read_text(encoding="utf-8")
    assert "pg_basebackup" in script and " -R " in script and "hot_standby=on" in script
    env = environment(replika)
    assert env["PRIMAR_HOST"] == "db" and env["PGPASSWORD"] == DOT_ENV["POSTGRES_PASSWORD"]
    assert env["REPLIKERING_USER"] == environment(services["db"])["POSTGRES_USER"]
    assert replika["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pgreplica" in compose["volumes"]

    hba_mount = next(v for v in services["db"]["volumes"] if v.startswith("./deploy/postgres/pg_hba.conf:"))
    assert f"hba_file={hba_mount.split(':')[1]}" in services["db"]["command"]
    rules = [line.split() for line in (ROOT / hba_mount.split(":")[0]).read_text().splitlines() if line[:1].isalpha()]
    assert ["host", "replication", "all", "all", "scram-sha-256"] in rules
    assert ["host", "all", "all", "all", "scram-sha-256"] in rules, "the image's own rule for the app stays"

    for name in ("web", "worker", "worker-import", "beat"):
        url = environment(services[name])["DATABASE_REPLICA_URL"]
        assert url == "postgres://vardformedling:hemligt@db-replica:5432/vardformedling", name
    assert "db-replica" not in services["web"]["depends_on"], "web starts without the replica (it is bypassed)"


def test_imports_have_their_own_worker_and_the_default_queue_its_own(compose):
    from django.conf import settings

    from vardformedling.celery import ko_for_uppgift

    services = compose["services"]
    assert shlex.split(services["worker"]["command"])[-2:] == ["-Q", "vardformedling"]  # CELERY_QUEUE's default
    assert shlex.split(services["worker-import"]["command"])[-2:] == ["-Q", "import"]
    assert settings.CELERY_IMPORT_QUEUE == "import"
    assert ko_for_uppgift("lagesbild.tasks.importera_inkorg", (), {}, {}) == {"queue": "import"}
    assert ko_for_uppgift("arenden.tasks.skapa_paminnelser", (), {}, {}) is None, "the rest: the default queue"
