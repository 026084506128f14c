"""Issue #14 point 26: the README says where the shared design documents are (../shared/ from the project root) and
walks each role through its first ten minutes with the demo identities."""

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_shared_is_named_from_the_project_root():
    assert "`../shared/`" in README
    assert not re.search(r"(?<![./])\bshared/(formats|samples)/", README)  # never a bare shared/… path


def test_the_first_ten_minutes_walk_each_role_with_its_demo_identity():
    avsnitt = README.split("## The first ten minutes, per role", 1)[1].split("\n## ", 1)[0]
    for roll, hsa_id in (
        ("Vårdlots", "SE2321000180-VL01"),
        ("Koordinator", "SE2321000057-KO01"),
        ("Administratör", "SE2321000016-AD01"),
        ("Mottagande enhet", "SE5560000001-MO01"),
    ):
        assert f"**{roll} – " in avsnitt and hsa_id in avsnitt, roll
    assert "make screenshots" in avsnitt
