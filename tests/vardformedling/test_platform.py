import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.checks import run_checks
from django.core.management import call_command

from vardformedling.models import Medarbetaruppdrag, Region, User

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_says_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_says_503_when_the_database_does_not_answer(client, db):
    with mock.patch("vardformedling.views.connection.cursor", side_effect=Exception("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


@pytest.mark.django_db
def test_responses_carry_security_headers_and_a_strict_csp(client):
    response = client.get("/login/", secure=True)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_pages_have_no_inline_script(client, demo_identities):
    client.post("/login/", {"hsa_id": "SE2321000180-VL01"})
    for url in ["/", "/login/"]:
        html = client.get(url).content.decode()
        for tag in html.split("<script")[1:]:
            assert "src=" in tag.split(">")[0], f"inline script on {url}"
        assert " style=" not in html


def test_the_login_stub_is_refused_in_production_unless_explicitly_allowed(settings):
    settings.AUTH_MODE, settings.DEBUG, settings.SITHS_STUB_ALLOWED = "stub", False, False
    assert "vardformedling.E001" in [e.id for e in run_checks()]
    settings.SITHS_STUB_ALLOWED = True
    assert "vardformedling.E001" not in [e.id for e in run_checks()]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": "", "ALLOWED_HOSTS": "x.se"}, "SECRET_KEY saknas"),
        ({"SECRET_KEY": "a" * 60, "ALLOWED_HOSTS": "x.se"}, "SECRET_KEY saknas"),
        ({"SECRET_KEY": "Zq8-x7Yw_p" * 6, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_real_secret_and_hosts(env, message):
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "vardformedling.settings", "DEBUG": "0", **env}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db
def test_errors_show_a_swedish_page_without_internals(client):
    response = client.get("/finns-inte/")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.content.decode()
    assert "Traceback" not in response.content.decode()


@pytest.mark.django_db
def test_reference_data_has_21_regions_and_the_kva_groups():
    from katalog.models import KvaGrupp

    assert Region.objects.count() == 21
    assert Region.objects.get(kod="13").vardgaranti_dagar == 60
    assert Region.objects.get(kod="20").sjukvardsregion == "Mellansverige"
    assert KvaGrupp.objects.filter(kod__in=["CJE", "NGB", "UJF"]).count() == 3


@pytest.mark.django_db
def test_region_codes_given_as_one_digit_are_normalised():
    assert Region.normalise_kod("1") == "01"
    assert Region.normalise_kod(" 20 ") == "20"


@pytest.mark.django_db(transaction=True)
def test_load_demo_is_idempotent():
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    counts = (User.objects.count(), Medarbetaruppdrag.objects.count())
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert (User.objects.count(), Medarbetaruppdrag.objects.count()) == counts
    assert counts[0] >= 5


@pytest.mark.worker
def test_a_task_runs_through_a_real_worker_and_redis(celery_worker):
    from vardformedling.tasks import ping

    result = ping.delay().get(timeout=30)
    assert result == {"svar": "pong", "regioner": 21}


@pytest.mark.django_db
def test_a_nul_byte_in_path_or_query_is_a_swedish_bad_request(client):
    for url in ["/katalog/sok/?q=%00", "/arenden/%00/", "/login/?next=%00"]:
        response = client.get(url)
        assert response.status_code == 400, url
        assert "ogiltigt tecken" in response.content.decode()


@pytest.mark.django_db
def test_the_portals_database_connections_never_jit_compile():
    """PostgreSQL's JIT compiled the coordinator start page's agreement panel for 1,069 ms to run it in 57 ms (found
    by the realistic load test at seed_scale 1): every connection of the portal has it off."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
