import re
from pathlib import Path

import pytest

from tests.factories import VardenhetFactory, make_user
from vardformedling.models import Roll
from vardformedling.rules import MATRIX

ROLES = [Roll.VARDLOTS, Roll.KOORDINATOR, Roll.ADMINISTRATOR, Roll.MOTTAGARE]
CELLS = [(action, role) for action in MATRIX for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "role"), CELLS, ids=[f"{a}-{r}" for a, r in CELLS])
def test_permission_matrix_cell(action, role):
    vardenhet = VardenhetFactory() if role == Roll.MOTTAGARE else None
    user = make_user(role, None if role == Roll.ADMINISTRATOR else "20", vardenhet)
    user.uppdrag_aktivt = user.uppdrag.get()  # what the middleware does for each request
    expected = role in MATRIX[action][1]
    assert user.has_perm(action) is expected


@pytest.mark.django_db
def test_a_user_without_commission_has_no_rights():
    user = make_user(Roll.VARDLOTS)
    user.uppdrag_aktivt = None
    assert not any(user.has_perm(action) for action in MATRIX)


def test_readme_shows_the_same_matrix_as_the_code():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in readme.splitlines():
        m = re.match(r"\|\s*`([a-z_.]+)`\s*\|[^|]*\|(.*)\|\s*$", line)
        if m:
            rows[m.group(1)] = [c.strip() == "✓" for c in m.group(2).split("|")]
    assert set(rows) == set(MATRIX)
    for action, (_text, roles) in MATRIX.items():
        assert rows[action] == [r in roles for r in ROLES], action
