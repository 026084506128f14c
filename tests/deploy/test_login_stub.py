"""The SITHS sign-in stub in production (issue 22, finding 1), checked by starting each process the way the image
(Dockerfile CMD) and docker-compose.yml start it: without AUTH_MODE the portal signs in through OIDC only, and with
AUTH_MODE=stub but no SITHS_STUB_ALLOWED=1 no process starts at all."""

import http.cookies
import json
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.deploy.test_compose import DOT_ENV, environment
from tests.deploy.test_image import image_env, instructions
from tests.factories import make_user
from tests.processer import database_url, free_port
from vardformedling.models import Roll

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# What the operator gives every container; no AUTH_MODE and no SITHS_STUB_ALLOWED (the attack's configuration).
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "stub-test-Lk4-p9Qz_r-" * 3,
    "ALLOWED_HOSTS": HOST,
    # No manifest is collected here (tests/deploy/test_image.py runs the image's collectstatic): static files from
    # the finders, so the login page renders.
    "STATIC_MANIFEST": "0",
    "WHITENOISE_USE_FINDERS": "1",
}
STUB_REFUSED = "Inloggningsattrappen (AUTH_MODE=stub) startar inte med DEBUG av"


def dockerfile_cmd() -> list[str]:
    cmds = [args for kw, args in instructions() if kw == "CMD"]
    assert len(cmds) == 1, cmds
    return json.loads(cmds[0])


def clean_env(tmp_path, **extra) -> dict[str, str]:
    """The image's ENV, this venv's python first on PATH (as the image's is), the production variables and `extra`;
    nothing from the test run's own environment (it sets AUTH_MODE=stub and SITHS_STUB_ALLOWED=1)."""
    from django.db import connection

    env = {
        **image_env(),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path),
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        **PRODUCTION,
        **extra,
    }
    assert "AUTH_MODE" not in env or "AUTH_MODE" in extra
    assert "SITHS_STUB_ALLOWED" not in env
    return env


def _request(url: str, *, data: dict | None = None, cookies: dict | None = None, origin: str = ""):
    """One request without following redirects, as over HTTPS behind the proxy: (status, headers, body)."""
    headers = {"X-Forwarded-Proto": "https"}  # gunicorn trusts it from 127.0.0.1, Django from gunicorn
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if origin:
        headers["Origin"] = origin
    body = urllib.parse.urlencode(data).encode() if data is not None else None

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=body, headers=headers), timeout=10) as r:  # noqa: S310 - loopback http only
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def _cookies(headers) -> dict[str, str]:
    jar = http.cookies.SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {k: m.value for k, m in jar.items() if m.value}


@pytest.mark.django_db(transaction=True)
def test_the_image_started_by_its_cmd_with_production_defaults_signs_nobody_in_with_an_hsa_id(tmp_path):
    # The attack: DEBUG=0, a real key, no AUTH_MODE; POST /login/ with a coordinator's HSA-id signed in.
    make_user(Roll.KOORDINATOR, "06", hsa_id="SE2321000057-KO01", namn="Karin Koordinator")
    port = free_port()
    cmd = dockerfile_cmd()
    assert cmd[:3] == ["gunicorn", "-c", "gunicorn_conf.py"], cmd
    env = clean_env(tmp_path, GUNICORN_BIND=f"{HOST}:{port}", GUNICORN_WORKERS="1")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.time() + 40
        while True:
            try:
                if _request(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, proc.stderr.read()[-3000:]
            assert time.time() < deadline, "gunicorn did not answer /healthz"
            time.sleep(0.3)

        status, headers, page = _request(f"{base}/login/")
        assert status == 200
        assert "Logga in med SITHS-kort" in page and "/oidc/authenticate/" in page  # the IdP, not the stub
        assert 'name="hsa_id"' not in page and "SE2321000057-KO01" not in page
        cookies = _cookies(headers)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        data = {"hsa_id": "SE2321000057-KO01", "csrfmiddlewaretoken": token.group(1) if token else ""}
        status, headers, _page = _request(f"{base}/login/", data=data, cookies=cookies, origin=f"https://{HOST}:{port}")
        assert status != 302, "the stub signed the HSA-id in"
        assert "sessionid" not in _cookies(headers)
        # Nobody is signed in: the case list sends to the login page.
        status, headers, _page = _request(f"{base}/arenden/?flik=alla", cookies=cookies)
        assert status == 302 and headers["Location"].startswith("/login/")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _compose_command(service: str) -> list[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    words = shlex.split(compose["services"][service]["command"])
    assert environment(compose["services"][service])["AUTH_MODE"] == "oidc", "compose must default to OIDC"
    assert DOT_ENV  # the operator's .env of test_compose.py sets neither AUTH_MODE nor SITHS_STUB_ALLOWED
    return words


PROCESSES = {
    "web (Dockerfile CMD)": lambda tmp: dockerfile_cmd(),
    "worker (compose)": lambda tmp: _compose_command("worker"),
    "beat (compose)": lambda tmp: [
        *_compose_command("beat")[:-1],
        str(tmp / "celerybeat-schedule"),  # compose's --schedule path is /data/…
    ],
    "manage.py migrate (compose web)": lambda tmp: ["python", "manage.py", "migrate", "--noinput"],
    "manage.py check": lambda tmp: ["python", "manage.py", "check"],
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("process", list(PROCESSES))
def test_no_process_starts_with_the_stub_in_production_unless_explicitly_allowed(tmp_path, process):
    cmd = PROCESSES[process](tmp_path)
    env = clean_env(tmp_path, AUTH_MODE="stub", GUNICORN_BIND=f"{HOST}:{free_port()}", GUNICORN_WORKERS="1")
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{process} started with the sign-in stub and DEBUG off: {exc}")
    assert done.returncode != 0
    assert STUB_REFUSED in done.stdout + done.stderr, (done.stdout + done.stderr)[-3000:]


def test_the_stub_answers_where_it_is_allowed_explicitly(tmp_path):
    # A demo or test environment (the test suite, the load test) sets SITHS_STUB_ALLOWED=1; DEBUG=1 (`make run`)
    # needs nothing. Both load the settings with the stub.
    script = "import django; django.setup(); from django.conf import settings; print(settings.AUTH_MODE)"
    for extra in ({"AUTH_MODE": "stub", "SITHS_STUB_ALLOWED": "1"}, {"DEBUG": "1"}):
        env = {**clean_env(tmp_path), **extra, "DJANGO_SETTINGS_MODULE": "vardformedling.settings"}
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == "stub", extra
