"""Portal URLs come from their names (`reverse()`, `{% url %}`): no module or template writes a portal path by hand,
so a moved URL cannot leave a dead link behind."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAKET = ["vardformedling", "katalog", "avtal", "lagesbild", "arenden", "sok", "uppfoljning"]
PORTALSTIG = re.compile(r"""(?:^|["'=\s(])/(?:katalog|arenden|avtal|lagesbild|uppfoljning)(?:/|\?|$)""")
I_MALL = re.compile(r"""(?:href|action|src|hx-get|hx-post)=["']/(?:katalog|arenden|avtal|lagesbild|uppfoljning)\b""")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes (they may name a path for the reader)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _stigar_i_python(text: str) -> list[str]:
    tree = ast.parse(text)
    hoppa = _docstrings(tree)
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in hoppa
        and PORTALSTIG.search(node.value)
    ]


def test_the_check_sees_a_path_built_by_hand():
    assert _stigar_i_python('url = f"/arenden/{case_id}/"') == ["/arenden/"]
    assert _stigar_i_python("html = f'<a href=\"/avtal/{x}/\">'") == ['<a href="/avtal/']
    assert _stigar_i_python('def f():\n    """Serves /katalog/sok/."""\n    return reverse("katalog:sok")') == []
    assert I_MALL.search('<a href="/katalog/sok/?kva={{ k }}">')


def test_no_python_module_builds_a_portal_path_by_hand():
    hittade = []
    for paket in PAKET:
        for f in (ROOT / paket).rglob("*.py"):
            if f.name == "urls.py" or "migrations" in f.parts:
                continue
            hittade += [f"{f.relative_to(ROOT)}: {s!r}" for s in _stigar_i_python(f.read_text("utf-8"))]
    assert hittade == []


def test_no_template_writes_a_portal_path_by_hand():
    hittade = [
        f"{f.relative_to(ROOT)}: {m.group(0)}"
        for f in (ROOT / "templates").rglob("*.html")
        for m in I_MALL.finditer(f.read_text("utf-8"))
    ]
    assert hittade == []
