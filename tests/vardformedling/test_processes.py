"""The production processes of docker-compose.yml, started directly: gunicorn serves the portal, beat's tasks exist."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processer import database_url, free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_healthz_and_pages_with_production_settings():
    from django.db import connection

    db = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vardformedling.settings",
        "DEBUG": "0",
        "SECRET_KEY": "gunicorn-test-Zq8-x7Yw_p-" * 3,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_MANIFEST": "0",
        "WHITENOISE_USE_FINDERS": "1",
        "SITHS_STUB_ALLOWED": "1",
        "DATABASE_URL": database_url(db),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "vardformedling.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200 and r.read() == b"ok"
                    break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
            assert "Logga in med SITHS" in r.read().decode()
            assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_every_beat_entry_names_a_registered_task(settings):
    from vardformedling.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"{name}: {entry['task']} is not a registered task"


def test_a_lost_import_task_comes_back_an_hour_after_its_run_counts_as_dead(settings):
    from datetime import timedelta

    from lagesbild import inkorg
    from vardformedling.celery import app

    assert inkorg.hangande_efter() == settings.LAGESBILD_HANGANDE_EFTER == timedelta(hours=1)
    expected = (settings.LAGESBILD_HANGANDE_EFTER + timedelta(hours=1)).total_seconds()
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == expected
    assert app.conf.broker_transport_options["visibility_timeout"] == expected


def test_expired_session_rows_are_removed_every_night_at_0345(settings):
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "vardformedling.tasks.rensa_sessioner"
    )
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {45}
