"""The layout of DESIGN.md §3 holds: the import contracts pass and catch a reverse import, each domain rule is
written once, and every module says in its first line what it is for.

The contracts themselves are in pyproject.toml ([tool.importlinter]); .ci/run also runs `lint-imports`."""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAKET = ["vardformedling", "katalog", "avtal", "lagesbild", "arenden", "sok", "uppfoljning", "patient", "api", "scale"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _moduler(*paket: str) -> list[Path]:
    return sorted(
        f for p in (paket or PAKET) for f in (ROOT / p).rglob("*.py") if "migrations" not in f.relative_to(ROOT).parts
    )


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
    )


def test_the_import_contracts_are_kept():
    res = _lint_imports(ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 broken" in res.stdout


@pytest.fixture(scope="module")
def kopia(tmp_path_factory) -> Path:
    """A copy of the source packages and pyproject.toml, to break on purpose."""
    mal = tmp_path_factory.mktemp("kallkod")
    for p in PAKET:
        shutil.copytree(ROOT / p, mal / p, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", mal / "pyproject.toml")
    return mal


@pytest.mark.parametrize(
    ("modul", "rad", "kontrakt"),
    [
        ("katalog/models.py", "import arenden.models", "Apps depend one way"),  # a lower app imports a higher one
        ("vardformedling/rules.py", "from katalog import api", "Apps depend one way"),  # the kernel imports an app
        ("avtal/api.py", "from lagesbild import api", "Apps depend one way"),  # avtal and lagesbild are independent
        ("sok/views.py", "from katalog.models import Vardenhet", "sok reads katalog"),  # sok past katalog's api.py
        ("uppfoljning/views.py", "from arenden.models import Arende", "uppfoljning reads"),  # past arenden's api.py
        ("patient/views.py", "from arenden.models import Arende", "patient reads"),  # past arenden's api.py
    ],
)
def test_a_deliberately_added_import_breaks_a_contract(kopia, modul, rad, kontrakt):
    fil = kopia / modul
    original = fil.read_text()
    try:
        fil.write_text(original + f"\n{rad}  # noqa\n")
        res = _lint_imports(kopia)
    finally:
        fil.write_text(original)
    assert res.returncode != 0, res.stdout
    assert "Broken contracts" in res.stdout, res.stdout
    brutna = res.stdout.split("Broken contracts", 1)[1]
    assert kontrakt in brutna, res.stdout


def test_the_unbroken_copy_keeps_the_contracts(kopia):
    res = _lint_imports(kopia)
    assert res.returncode == 0, res.stdout + res.stderr


# --- Each domain rule once -----------------------------------------------------------------------------------------

# (what, pattern in source, the one module allowed to hold it)
REGLER = [
    ("personnummer mask", r"-\*\*\*\*", "vardformedling/personnummer.py"),
    ("care-guarantee date", r"vardgaranti_dagar\s*\)", "vardformedling/models.py"),
    ("KVÅ resolver", r"def hitta_kva\b", "katalog/api.py"),
    (
        "agreement covers unit",
        r"vardenheter\.through\.objects|avtal__vardenheter|Q\(vardenheter=|vardenheter\.exists\(|vardenheter\.all\(\)\]",
        "avtal/models.py",
    ),
]


@pytest.mark.parametrize(("vad", "monster", "hem"), REGLER, ids=[r[0] for r in REGLER])
def test_each_domain_rule_is_written_once(vad, monster, hem):
    traffar = sorted(
        {
            str(f.relative_to(ROOT))
            for f in _moduler(*PAKET, "bench")
            if re.search(monster, f.read_text(encoding="utf-8"))
        }
    )
    assert traffar == [hem], f"{vad}: skriven i {traffar}, ska bara finnas i {hem}"


# --- Every module says what it is for ------------------------------------------------------------------------------


def test_every_module_opens_with_a_docstring():
    """Every non-migration module of the source packages, and every app's own __init__.py; only the empty
    __init__.py files that merely mark a sub-folder as a package (management/, commands/ …) are left out."""
    saknas = []
    for f in _moduler():
        text = f.read_text(encoding="utf-8")
        app_paket = f.name == "__init__.py" and f.parent.parent == ROOT
        if not text.strip() and not app_paket:
            continue
        if not ast.get_docstring(ast.parse(text)):
            saknas.append(str(f.relative_to(ROOT)))
    assert saknas == []
