"""`manage.py check --deploy` is clean with the production settings (as .ci/run runs it), and it does look."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

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
