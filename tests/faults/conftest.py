"""Helpers for fault tests: free ports, a dead Redis address, a Redis of the test's own that it may kill, and
Celery workers whose process we may kill."""

import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.conftest import worker_pool
from tests.processer import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout: float = 60.0, step: float = 0.05) -> bool:
    """True as soon as `condition()` is true; False once `timeout` seconds have passed."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return False


@pytest.fixture
def dead_redis_url() -> str:
    """A Redis URL where nothing listens (the port was free a moment ago)."""
    return f"redis://127.0.0.1:{free_port()}/0"


class PrivateRedis:
    """A `redis-server` of the test's own on a free port, without persistence: after `kill()` (SIGKILL) and
    `start()` it is an empty Redis on the same address, like a Redis that crashed and lost its data."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = folder
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(
            [*cmd, "--daemonize", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        try:
            if not wait_for(lambda: self.proc.poll() is None and _pingar(client), timeout=15, step=0.05):
                pytest.fail(f"redis-server on port {self.port} did not start (exit code {self.proc.poll()})")
        finally:
            client.close()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    @property
    def running(self) -> bool:
        return bool(self.proc) and self.proc.poll() is None


def _pingar(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


@pytest.fixture
def private_redis(tmp_path):
    """A running PrivateRedis; killed afterwards whatever the test did."""
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is not on PATH; the fault tests need it (apt-get install redis-server)")
    folder = tmp_path / "redis"
    folder.mkdir()
    server = PrivateRedis(folder)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@contextmanager
def celery_and_cache_on(settings, url: str, **conf):
    """Points Django's cache and this process's Celery app (broker, result backend) at `url`; `conf` is further
    Celery configuration for the while. The app caches its connection pool, producer pool and result backend; they
    are set aside and put back untouched afterwards so later tests get the usual Redis again."""
    from vardformedling.celery import app

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    keys = ("broker_url", "result_backend", "task_always_eager", *conf)
    old_conf = {k: app.conf[k] for k in keys}
    saved = (app._pool, app.amqp._producer_pool, app._backend_cache, app._local.__dict__.pop("backend", None))
    app.conf.update(broker_url=url, result_backend=url, task_always_eager=False, **conf)
    app._pool, app.amqp._producer_pool, app._backend_cache = None, None, None
    try:
        yield app
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.update(**old_conf)
        app._pool, app.amqp._producer_pool, app._backend_cache = saved[:3]
        app._local.__dict__.pop("backend", None)
        if saved[3] is not None:
            app._local.backend = saved[3]


@pytest.fixture
def redis_down(settings, dead_redis_url):
    """The cache, broker and result backend all point at a port where nothing listens; giving up at once."""
    with celery_and_cache_on(
        settings, dead_redis_url, broker_connection_retry=False, broker_transport_options={"max_retries": 0}
    ):
        yield dead_redis_url


@pytest.fixture
def killable_worker(transactional_db, settings, private_redis):
    """`start()` → a real `celery worker` subprocess (Popen, solo pool) on the test database, a private queue and a
    private Redis, with the dead-run clocks in seconds (tests/faults/worker_settings.py).

    The process is handed to the test so it can SIGKILL it, and `start()` may be called again to bring up a
    fresh worker on the same queue (tests/conftest.py::worker_pool). The private Redis means a killed worker's
    unacknowledged message never lingers in the shared Redis."""
    env = {"REDIS_URL": private_redis.url, "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings"}
    with celery_and_cache_on(settings, private_redis.url), worker_pool(settings, "vf-faults", env=env) as start:
        yield start


@pytest.fixture
def prefork_worker_on_private_redis(transactional_db, settings, private_redis):
    """`start()` → a real `celery worker` as production runs it (prefork pool) against the private Redis."""
    env = {"REDIS_URL": private_redis.url}
    with (
        celery_and_cache_on(settings, private_redis.url),
        worker_pool(settings, "vf-faults", pool="prefork", env=env) as start,
    ):
        yield start
