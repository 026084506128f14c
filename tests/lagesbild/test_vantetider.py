"""The Väntetidsdatabasen page (/lagesbild/vantetider/): a bounded, continuous month axis with gaps, a period
in the URL, notes for values it cannot show, and selects that never submit by themselves."""

import re

import pytest

from lagesbild.importers import importera_fil
from tests.lagesbild.helpers import VT_HEADER, write
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db

# 2024-01, then 2025-01 … 2025-12 without 2025-04
MANADER = ["2024-01", *(f"2025-{m:02d}" for m in range(1, 13) if m != 4)]


@pytest.fixture
def imported(tmp_path):
    rows = []
    for i, manad in enumerate(MANADER):
        rows.append(f"{manad};00;atgard;Alla;{200000 + i};{70000 + i};99000;98000")
        rows.append(f"{manad};00;besok;Alla;{480000 + i};{150000 + i};238000;253000")
    rows.append("2025-12;20;atgard;Ögonsjukvård;2890;1604;702;688")
    assert importera_fil(write(tmp_path, "vantetider_202512.csv", VT_HEADER, rows), startad_av="kommando").lyckad


@pytest.fixture
def lots(client_for):
    return client_for(Roll.VARDLOTS)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ")).strip()


def _table(body: str, typ: str = "Operation/åtgärd") -> dict[str, str]:
    """Month → the row's cells as text, for the first table of that type."""
    tabell = body.split(f"<caption>{typ} per månad</caption>", 1)[1].split("</table>", 1)[0]
    return {
        m: _text(c) for m, c in re.findall(r'<th scope="row" class="lb-manad">([\d-]+)</th>(.*?)</tr>', tabell, re.S)
    }


def _months(first: str, last: str) -> list[str]:
    y, m = (int(p) for p in first.split("-"))
    result = []
    while f"{y}-{m:02d}" <= last:
        result.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return result


def test_the_default_is_the_latest_18_months_as_a_continuous_axis_with_gaps(lots, imported):
    body = lots.get("/lagesbild/vantetider/").content.decode()
    rows = _table(body)
    assert list(rows) == _months("2024-07", "2025-12")  # bounded: 2024-01 is not shown, no month skipped
    assert rows["2024-07"] == rows["2025-04"] == "uppgift saknas"
    assert rows["2025-05"].startswith("200 004 70 004 99 000 98 000")
    assert "2024-01" not in body
    # The operations' line chart (after it on the page come the load charts per region, #20).
    svg = next(d for d in body.split("<svg")[1:] if "diagram-atgard" in d.split(">", 1)[0]).split("</svg>", 1)[0]
    assert svg.count("<circle") == 2 * 11  # two series, eleven months with data
    assert "Månader utan uppgift är luckor i linjerna." in svg
    assert '<option value="18" selected>Senaste 18 månaderna</option>' in body


def test_a_year_or_a_longer_period_is_chosen_in_the_url(lots, imported):
    body = lots.get("/lagesbild/vantetider/?period=2024").content.decode()
    rows = _table(body, "Första besök")
    assert list(rows) == _months("2024-01", "2024-12")
    assert rows["2024-01"].startswith("480 000 150 000") and rows["2024-02"] == "uppgift saknas"
    assert '<option value="2024" selected>År 2024</option>' in body and '<option value="2025">År 2025</option>' in body
    assert list(_table(lots.get("/lagesbild/vantetider/?period=36").content.decode())) == _months("2023-01", "2025-12")


@pytest.mark.parametrize(
    ("query", "meddelande"),
    [
        ("region=99", "Regionen 99 finns inte; visar hela landet."),
        ("vardomrade=Tandvård", "Vårdområdet Tandvård finns inte för Hela landet; visar Alla."),
        ("region=20&vardomrade=Alla", "Vårdområdet Alla finns inte för Region Dalarna; visar Ögonsjukvård."),
        ("period=7", "Perioden 7 finns inte; visar de senaste 18 månaderna."),
        ("period=1999", "Perioden 1999 finns inte; visar de senaste 18 månaderna."),
        ("period=%C2%B2%C2%B2", "Perioden ²² finns inte; visar de senaste 18 månaderna."),
    ],
)
def test_a_value_that_cannot_be_shown_falls_back_with_a_note(lots, imported, query, meddelande):
    response = lots.get(f"/lagesbild/vantetider/?{query}")
    assert response.status_code == 200
    assert meddelande in _text(response.content.decode())


def test_an_empty_database_shows_no_table_and_no_error(lots):
    response = lots.get("/lagesbild/vantetider/?period=2024")
    assert response.status_code == 200
    assert "Inga uppgifter för Hela landet" in _text(response.content.decode())


def test_no_select_submits_its_form_by_itself(lots, imported):
    """WCAG 3.2.2: arrowing through a select must not change the page; a visible button submits."""
    body = lots.get("/lagesbild/vantetider/").content.decode()
    assert "data-autosubmit" not in body  # neither the page's selects nor the commission select in the header
    assert '<button class="btn" type="submit">Visa</button>' in body
    assert '<button type="submit" class="btn btn--small">Byt</button>' in body
