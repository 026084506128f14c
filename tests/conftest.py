"""Shared fixtures: reference data, users per role, temporary folders, a real Celery worker, a browser."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import VardenhetFactory, make_user
from tests.processer import database_url
from vardformedling.models import Roll

ROOT = Path(__file__).resolve().parent.parent
DB_FIXTURES = {
    "db",
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


# --- Region keys in a private SoftHSM (NYCKELTJANST=pkcs11, settings_test) ------------------------------------

# Tokens for tests that must not disturb the regions' own: rotation, a refused PIN, a token without keys.
EXTRA_TOKENS = {"rotera": "VF-TEST-ROTERA", "pin": "VF-TEST-PIN", "tom": "VF-TEST-TOM"}


@pytest.fixture(scope="session", autouse=True)
def _softhsm(tmp_path_factory):
    """One SoftHSM token per region (label VF-TEST-RR, PIN in PKCS11_PIN_RR) with its keys, in a temporary folder;
    the environment says so too, so subprocesses (a Celery worker, manage.py) use the same tokens. Yields the
    configuration with the seconds it took to initialise the tokens and create the keys."""
    from django.conf import settings

    from tests.softhsm import init_tokens, pin_for, skapa_konfiguration
    from vardformedling.nycklar.installningar import pkcs11_regioner
    from vardformedling.nycklar.tjanst import aterstall_nyckeltjanst, nyckeltjanst
    from vardformedling.reference import read_csv

    if settings.NYCKELTJANST != "pkcs11":
        yield None
        return
    conf = skapa_konfiguration(tmp_path_factory.mktemp("softhsm"))
    os.environ["SOFTHSM2_CONF"] = str(conf)
    regioner = [row["region_kod"] for row in read_csv("regioner.csv")]
    labels = [f"VF-TEST-{rr}" for rr in regioner]
    init_sekunder = init_tokens(conf, labels + list(EXTRA_TOKENS.values()))
    for rr, label in zip(regioner, labels, strict=True):
        os.environ[f"PKCS11_TOKEN_{rr}"] = label
        os.environ[f"PKCS11_PIN_{rr}"] = pin_for(label)
    settings.PKCS11_REGIONER = pkcs11_regioner(os.environ)
    aterstall_nyckeltjanst()
    start = time.perf_counter()
    for rr in regioner:
        nyckeltjanst().skapa(rr)
    nyckel_sekunder = time.perf_counter() - start
    yield {"conf": conf, "init_sekunder": init_sekunder, "nyckel_sekunder": nyckel_sekunder, "regioner": regioner}
    aterstall_nyckeltjanst()


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Regions and KVÅ groups come from a data migration; transactional tests flush them, so restore. The process's
    copies of reference data are forgotten: a rolled-back test's writes reach no invalidation signal."""
    from api.svar import kopior
    from vardformedling.referensdata import glom_allt, glom_version

    glom_allt()
    glom_version("arenden")  # the follow-up figures are cached in Redis under it (uppfoljning/statistik.py)
    kopior.glom()  # the API's served answers are kept under reference-data versions too
    marker = request.node.get_closest_marker("django_db")
    if not marker and not DB_FIXTURES & set(request.fixturenames):
        return
    transactional = (marker and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from katalog.models import KvaGrupp
    from vardformedling.models import Region
    from vardformedling.reference import load_kva_groups, load_regions

    if not Region.objects.exists():
        load_regions(Region)
    if not KvaGrupp.objects.exists():
        load_kva_groups(KvaGrupp)


@pytest.fixture(autouse=True)
def _tmp_folders(settings, tmp_path):
    settings.LAGESBILD_INBOX = tmp_path / "inbox"
    settings.SDK_OUTBOX = tmp_path / "sdk_outbox"
    settings.INKORG_1177_OUTBOX = tmp_path / "inkorg_1177"
    settings.RAPPORT_DIR = tmp_path / "rapporter"
    settings.LAGESBILD_INBOX.mkdir()


@pytest.fixture
def user_with(db):
    """`user_with(roll, region="20", vardenhet=None)` → a user with that one commission."""
    return make_user


@pytest.fixture
def client_for(db):
    """`client_for(roll, region="20", vardenhet=None)` → a Django test client signed in with that commission."""

    def _client(roll: str, region: str | None = "20", vardenhet=None) -> Client:
        if roll == Roll.MOTTAGARE and vardenhet is None:
            vardenhet = VardenhetFactory()
            region = vardenhet.region_id
        if roll == Roll.ADMINISTRATOR:
            region = None
        client = Client()
        client.force_login(make_user(roll, region, vardenhet), backend="vardformedling.auth.SithsStubBackend")
        return client

    return _client


@pytest.fixture
def demo_identities(transactional_db):
    """The demo catalogue and the five demo identities (CONTRACTS.md), without the heavy demo history."""
    import katalog.demo

    katalog.demo.load()


# --- A real Celery worker against Redis -------------------------------------------------------------------


@contextlib.contextmanager
def worker_pool(settings, prefix: str, *, pool: str = "solo", env: dict[str, str] | None = None):
    """Yields `start()`, which launches `celery worker` in a subprocess on the test database and a private queue
    and returns the process once it answers a ping; on exit every worker is stopped and the app's queue and
    eager setting are put back. Several workers (e.g. one after another was killed) share the queue.

    `pool` is the worker's pool (production runs prefork); `env` is added to the worker's environment (e.g. a
    REDIS_URL of the test's own or another DJANGO_SETTINGS_MODULE)."""
    from django.db import connection

    from vardformedling.celery import app
    from vardformedling.tasks import ping

    queue = f"{prefix}-{os.getpid()}-{time.time_ns()}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vardformedling.settings_test",
        "DATABASE_URL": database_url(db),
        "CELERY_QUEUE": queue,
        "CELERY_IMPORT_QUEUE": queue,  # the register imports' own queue: the same private one here
        "LAGESBILD_INBOX": str(settings.LAGESBILD_INBOX),
        "SDK_OUTBOX": str(settings.SDK_OUTBOX),
        "RAPPORT_DIR": str(settings.RAPPORT_DIR),
        **(env or {}),
    }
    procs: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "vardformedling",
                "worker",
                f"--pool={pool}",
                "--concurrency=1",
                "-Q",
                queue,
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,  # its own process group, so a prefork pool's children are stopped with it
        )
        procs.append(proc)
        ping.apply_async().get(timeout=60)  # the worker is up and reaches the database
        return proc

    old = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    settings.CELERY_IMPORT_QUEUE = queue  # read when an import task is sent (vardformedling.celery.ko_for_uppgift)
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
                    proc.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # children a killed worker left behind


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A real Celery worker against Redis on the test database; yields the app."""
    from vardformedling.celery import app

    with worker_pool(settings, "vf-test") as start:
        start()
        yield app


# --- Headless Chromium through Playwright -----------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def _browser():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_browser, live_server, settings):
    """A fresh browser context per test. The live server speaks plain HTTP, so cookies may not be Secure."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = _browser.new_context(base_url=live_server.url, locale="sv-SE")
    context.set_default_timeout(15000)
    pg = context.new_page()
    console_errors: list[str] = []
    pg.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    pg.console_errors = console_errors
    yield pg
    context.close()


def login_as(page, hsa_id: str) -> None:
    """Signs in through the SITHS stub's card for `hsa_id`."""
    page.goto("/login/")
    page.locator(f"form.siths-card:has(input[value='{hsa_id}']) button").click()
    page.wait_for_url("**/")


@pytest.fixture
def login():
    return login_as
