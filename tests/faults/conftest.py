"""Helpers for fault tests: free ports, a dead Redis address, a Celery worker whose process we may kill."""

import socket
from pathlib import Path

import pytest

from tests.conftest import worker_pool

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

    The process is handed to the test so it can SIGKILL it, and `start()` may be called again to bring up a
    fresh worker on the same queue (tests/conftest.py::worker_pool).
    """
    with worker_pool(settings, "vf-faults") as start:
        yield start
