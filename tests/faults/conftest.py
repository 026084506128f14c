"""Helpers for fault tests: free ports, a dead Redis address, a Celery worker whose process we may kill."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dead_redis_url() -> str:
    """A Redis URL where nothing listens (the port was free a moment ago)."""
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def killable_worker(transactional_db, settings):
    """`start()` → a real `celery worker` subprocess (Popen) on the test database and a private queue.

    Modelled on tests/conftest.py::celery_worker, but the process is handed to the test so it can SIGKILL it,
    and `start()` may be called again to bring up a fresh worker on the same queue.
    """
    from django.db import connection

    from vardformedling.celery import app

    queue = f"vf-faults-{os.getpid()}-{time.time_ns()}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vardformedling.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_QUEUE": queue,
        "LAGESBILD_INBOX": str(settings.LAGESBILD_INBOX),
        "SDK_OUTBOX": str(settings.SDK_OUTBOX),
        "RAPPORT_DIR": str(settings.RAPPORT_DIR),
    }
    procs: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        cmd = [sys.executable, "-m", "celery", "-A", "vardformedling", "worker", "--pool=solo", "-Q", queue]
        proc = subprocess.Popen([*cmd, "-l", "WARNING"], cwd=ROOT, env=env)
        procs.append(proc)
        from vardformedling.tasks import ping

        ping.apply_async().get(timeout=60)
        return proc

    old = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        yield start
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = old
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
