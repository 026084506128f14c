"""CSV injection: every exported text cell that a spreadsheet would read as a formula (= + - @, tab, carriage
return) is written with a leading ' in both CSV and XLSX, in the agreement export and the follow-up export."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from avtal.models import Avtal
from katalog.models import KvaGrupp
from tests.factories import VardgivareFactory
from uppfoljning import export
from uppfoljning.tabell import Tabell, text
from vardformedling.models import Region, Roll

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
FORMULAS = [f'{p}HYPERLINK("https://evil.example")' for p in PREFIXES]


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def _xlsx(content: bytes) -> list[list]:
    return [list(r) for r in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


def _neutralised(cells) -> list[str]:
    """The cells as the formulas they carry, for cells that start with ' (XLSX stores a carriage return as \\n)."""
    return sorted(c[1:].replace("\n", "\r") for c in cells if c.startswith("'"))


@pytest.mark.django_db
@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_agreement_export_neutralises_every_formula_prefix(client_for, format):
    idag = timezone.localdate()
    for i, formel in enumerate(FORMULAS):
        avtal = Avtal.objects.create(
            avtalsagare=Region.objects.get(kod="20"),
            avtal_id=f"F {i}",
            vardgivare=VardgivareFactory(namn=formel),
            avtalstyp="upphandlat",
            giltig_fran=idag - timedelta(days=1),
            giltig_till=idag + timedelta(days=100),
            far_nyttjas_av_alla=True,
        )
        avtal.rader.create(kva=KvaGrupp.objects.get_or_create(kod="CJE")[0], villkor=formel)  # terms are per line
    response = client_for(Roll.KOORDINATOR, "20").get(f"/avtal/?format={format}")
    rows = (_csv if format == "csv" else _xlsx)(response.content)
    header = rows[0]
    cells = [(r[header.index("vardgivare")], r[header.index("villkor")]) for r in rows[1:]]
    assert len(cells) == len(FORMULAS)
    assert _neutralised(c for pair in cells for c in pair) == sorted(FORMULAS * 2)


def test_follow_up_export_neutralises_every_formula_prefix():
    tabell = Tabell(nyckel="t", rubrik="=Rubrik", kolumner=FORMULAS, rader=[[text(f) for f in FORMULAS]])
    for rows in (_csv(export.csv_bytes([tabell])), _xlsx(export.xlsx_bytes([tabell]))):
        assert len(rows) == 2
        assert _neutralised(rows[0] + rows[1]) == sorted(FORMULAS * 2)
