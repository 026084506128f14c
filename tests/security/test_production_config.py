"""Production configuration: `check --deploy` is clean (as .ci/run runs it) and does look; cookies, HTTPS
redirect behind the proxy, password-free sign-in and pinned dependencies behave as SECURITY.md says."""

import json
import os
import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client

from tests.factories import make_user
from vardformedling.models import Roll, User

ROOT = Path(__file__).resolve().parents[2]


def _deploy_check(**env) -> subprocess.CompletedProcess:
    # Only what the shell needs: the test run's own settings (e.g. SECURE_SSL_REDIRECT=0) must not leak in.
    production = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")},
        "DJANGO_SETTINGS_MODULE": "vardformedling.settings",
        "DEBUG": "0",
        "AUTH_MODE": "oidc",
        "ALLOWED_HOSTS": "vardformedling.example.se",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "OIDC_RP_CLIENT_ID": "vardformedling",
        "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.se/jwks",
        "DATABASE_URL": "",
        "REDIS_URL": "",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_deploy_check_is_clean_with_production_settings():
    result = _deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_fails_when_https_redirect_is_turned_off():
    result = _deploy_check(SECURE_SSL_REDIRECT="0")
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_secure_httponly_and_same_site_lax(client):
    user = make_user(Roll.VARDLOTS, "20")
    login_page = client.get("/login/", secure=True)
    csrf = login_page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    response = client.post("/login/", {"hsa_id": user.hsa_id}, secure=True)
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_unless_the_proxy_says_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # a new client builds its middleware with the setting above
    response = client.get("/login/?next=/arenden/")
    assert response.status_code == 301 and response["Location"] == "https://testserver/login/?next=/arenden/"
    behind_proxy = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert behind_proxy.status_code == 200
    assert behind_proxy["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert client.get("/healthz").status_code == 200  # the load balancer's health check stays on plain HTTP


@pytest.mark.django_db
def test_no_sign_in_takes_a_password(rf):
    """SITHS only: no authentication backend accepts a password, and users are created without a usable one."""
    user = User.objects.create_user("SE2321000000-PW01", "Utan Lösenord")
    assert not user.has_usable_password()
    user.set_password("hemligt-lösenord")
    user.save()
    request = rf.post("/login/")
    assert authenticate(request, username=user.hsa_id, password="hemligt-lösenord") is None
    assert not any("ModelBackend" in b for b in settings.AUTHENTICATION_BACKENDS)


def test_every_dependency_is_pinned_to_one_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + [r for group in project["optional-dependencies"].values() for r in group]
    assert requirements
    assert [r for r in requirements if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", r.strip())] == []
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    npm = {name: meta for name, meta in lock.items() if name}
    assert npm
    assert [name for name, meta in npm.items() if not (meta.get("version") and meta.get("integrity"))] == []
    declared = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in declared.values())
