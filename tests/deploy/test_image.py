"""The production image (Dockerfile), checked without Docker: its collectstatic step is run here exactly as written,
and the portal is then started with production settings against what it collected."""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processer import database_url

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (keyword, arguments), line continuations joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    rows = [line.strip() for line in text.splitlines()]
    return [
        (line.split(maxsplit=1)[0].upper(), line.split(maxsplit=1)[1] if " " in line else "")
        for line in rows
        if line and not line.startswith("#")
    ]


def collectstatic_command() -> str:
    runs = [args for kw, args in instructions() if kw == "RUN" and "collectstatic" in args]
    assert len(runs) == 1, runs
    return runs[0]


def image_env() -> dict[str, str]:
    """The variables the image's ENV lines set (KEY=VALUE form)."""
    env = {}
    for kw, args in instructions():
        if kw == "ENV":
            env.update(part.split("=", 1) for part in shlex.split(args))
    return env


def test_collectstatic_in_the_image_runs_with_debug_off():
    words = shlex.split(collectstatic_command())
    assignments = dict(w.split("=", 1) for w in words[: words.index("python")])
    assert assignments["DEBUG"] == "0", "with DEBUG on no manifest is written and every page answers 500"
    assert assignments.get("STATIC_MANIFEST", "1") not in {"0", "false", "no", "off"}


@pytest.mark.django_db(transaction=True)
def test_the_image_s_collectstatic_writes_the_manifest_and_the_portal_serves_pages_and_static_files_from_it(tmp_path):
    static_root = tmp_path / "staticfiles"
    # A clean environment like the build's: only the image's ENV, PATH (with this venv's `python` first, as the
    # image's python is first on its PATH) and where to collect.
    env = {
        **image_env(),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path),
        "STATIC_ROOT": str(static_root),
    }
    done = subprocess.run(
        ["sh", "-c", collectstatic_command()], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text(encoding="utf-8"))
    assert re.fullmatch(r"css/vf\.[0-9a-f]{12}\.css", manifest["paths"]["css/vf.css"])

    # The portal with production settings, static files only from that STATIC_ROOT (no finders): the login page
    # and every static file it links answer 200.
    from django.db import connection

    db = connection.settings_dict
    run_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "vardformedling.settings",
        "DEBUG": "0",
        "SECRET_KEY": "deploy-test-Qm7-v2Xr_k-" * 3,
        "ALLOWED_HOSTS": "vardformedling.example.se",
        "SITHS_STUB_ALLOWED": "1",
        "SECURE_SSL_REDIRECT": "0",
        "WHITENOISE_USE_FINDERS": "0",
        "DATABASE_URL": database_url(db),
        "PYTHONPATH": str(ROOT),
    }
    script = (
        "import django, re; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='vardformedling.example.se')\n"
        "page = c.get('/login/')\n"
        "assert page.status_code == 200, page.status_code\n"
        'links = sorted(set(re.findall(r\'(?:href|src)="(/static/[^"]+)"\', page.content.decode())))\n'
        "assert links, 'the login page links no static file'\n"
        "for url in links:\n"
        "    r = c.get(url)\n"
        "    assert r.status_code == 200, (url, r.status_code)\n"
        "    assert re.search(r'\\.[0-9a-f]{12}\\.', url), url\n"
        "print(len(links))\n"
    )
    served = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=run_env, capture_output=True, text=True, timeout=120
    )
    assert served.returncode == 0, served.stderr[-3000:]
    assert int(served.stdout.strip().splitlines()[-1]) >= 3


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip().strip("/") for line in lines if line.strip() and not line.startswith("#")]


def _pattern_regex(pattern: str) -> re.Pattern:
    """Docker's .dockerignore matching: `**` any number of folders, `*` and `?` within one path segment."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def ignored(path: str, patterns: list[str]) -> bool:
    """True when the path or one of the folders above it matches a pattern (no `!` exceptions are used)."""
    assert not any(p.startswith("!") for p in patterns), "update this matcher for exceptions"
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(_pattern_regex(p).fullmatch(prefix) for p in patterns for prefix in prefixes)


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".env",
        ".env.production",
        "db.sqlite3",
        "var/inbox/spor_vantetider_20261201.csv",
        ".venv/bin/python",
        "node_modules/axe-core/axe.min.js",
        "staticfiles/staticfiles.json",
        "build/lib/manage.py",
        "vardformedling.egg-info/PKG-INFO",
        "__pycache__/manage.cpython-311.pyc",
        "arenden/services/__pycache__/steg.cpython-311.pyc",
        "katalog/models.pyc",
        ".pytest_cache/README.md",
        ".ruff_cache/CACHEDIR.TAG",
        ".hypothesis/examples/x",
        "bench/out/search.json",
        "celerybeat-schedule.db",
    ],
)
def test_the_build_context_leaves_out_secrets_local_data_and_leftovers(path):
    assert ignored(path, dockerignore_patterns())


def test_the_build_context_keeps_every_tracked_source_file():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    patterns = dockerignore_patterns()
    files = tracked.splitlines()
    assert "manage.py" in files and "static/css/vf.css" in files
    assert [f for f in files if ignored(f, patterns)] == []
