"""The unit view (/lagesbild/enheter/<hsa_id>/) keeps calendar time: 18 calendar months before the delivery, a
missing month is a gap (chart and table), and the trend compares calendar months, not list positions."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from lagesbild.importers import importera_fil
from tests.lagesbild.helpers import SPOR_HEADER, write
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db

UNIT = "SE2321000180-FALU01"
URL = f"/lagesbild/enheter/{UNIT}/"


@pytest.fixture
def datum():
    return timezone.localdate() - timedelta(days=1)


@pytest.fixture
def months(datum):
    """The 18 calendar months before the delivery month, oldest first (REGISTER_FILES.md)."""
    y, m, result = datum.year, datum.month, []
    for _ in range(18):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        result.append(f"{y}-{m:02d}")
    return result[::-1]


@pytest.fixture
def deliver(tmp_path, datum):
    """`deliver(unit={month: (antal, median) | None}, national={month: median})` imports one SPOR NGB file.
    None is a suppressed count (`<5`); (0, None) a month with no operations (a real 0, no statistics)."""

    def _deliver(unit: dict, national: dict | None = None, windows: tuple = (48, 212)) -> None:
        rows = [f"{datum};20;{UNIT};Falu;NGB;90d;alla;{windows[0]};{windows[1]};365;18,8;12,5"]
        for mm, figure in unit.items():
            antal, median = figure if figure else ("<5", "")
            stat = bool(figure) and median is not None
            median = "" if median is None else median
            rows.append(
                f"{datum};20;{UNIT};Falu;NGB;{mm};alla;{antal};{median};{300 if stat else ''};"
                + ("20,0;10,0" if stat else ";")
            )
        rows += [f"{datum};00;;;NGB;{mm};alla;3000;{median};300;40,0;15,0" for mm, median in (national or {}).items()]
        assert importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, rows), startad_av="kommando").lyckad

    return _deliver


def _body(client_for) -> str:
    response = client_for(Roll.VARDLOTS).get(URL)
    assert response.status_code == 200
    return response.content.decode()


def _text(body: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body).replace("\xa0", " "))


def _month_rows(body: str) -> dict[str, str]:
    table = body.split("<caption>Medianväntetid per månad, NGB</caption>", 1)[1].split("</table>", 1)[0]
    return {
        m: _text(cells).strip()
        for m, cells in re.findall(r'<th scope="row" class="lb-manad">([\d-]+)</th>(.*?)</tr>', table, re.S)
    }


def _x(i: int, n: int = 18) -> str:
    """Where the chart puts category i of n (charts.linjediagram: 64 px left margin, 560 px plot)."""
    return f"{64 + 560 * (i + 0.5) / n:.1f}"


def test_missing_months_are_gaps_on_an_18_month_calendar_axis(client_for, deliver, months):
    saknas_enhet, saknas_riket = {5, 6, 7, 12}, {6}
    deliver(
        unit={mm: (30, 100 + i) for i, mm in enumerate(months) if i not in saknas_enhet},
        national={mm: 150 for i, mm in enumerate(months) if i not in saknas_riket},
    )
    body = _body(client_for)
    rader = _month_rows(body)
    assert list(rader) == months  # every calendar month, in order
    for i, mm in enumerate(months):
        if i in saknas_enhet:
            assert rader[mm].startswith("uppgift saknas"), mm
        else:
            assert rader[mm].startswith(f"30 {100 + i}"), mm
    assert rader[months[6]] == "uppgift saknas uppgift saknas"  # the national series has its own gap
    svg = body.split("<svg", 1)[1].split("</svg>", 1)[0]
    # The unit's points sit on their own month's slot: the month after the gap is not drawn next to month 4.
    assert re.findall(r'<circle cx="([\d.]+)"[^>]*fill="#005595"', svg) == [
        _x(i) for i in range(18) if i not in saknas_enhet
    ]
    assert len(re.findall(r'<polyline[^>]*stroke="#005595"', svg)) == 3  # 0–4, 8–11, 13–17
    assert len(re.findall(r'<polyline[^>]*stroke="#b34700"', svg)) == 2  # national: 0–5, 7–17
    assert f">{months[-1]}</tspan></text>" in svg  # the newest month is labelled
    assert "Månader utan median är luckor i linjen." in body


def test_the_trend_compares_with_six_calendar_months_earlier_not_six_rows(client_for, deliver, months):
    # No rows for the four months before the latest: six rows back would be month 7, six months back is month 11.
    deliver(unit={mm: (30, 100 + 3 * i) for i, mm in enumerate(months) if i not in {13, 14, 15, 16}})
    text = _text(_body(client_for))
    assert "Medianväntetiden är 18 dagar längre än sex månader tidigare" in text
    assert f"(133 dagar {months[11]} → 151 dagar {months[17]})." in text


def test_the_trend_uses_the_latest_month_with_a_median(client_for, deliver, months):
    unit = {mm: (30, 100 + i) for i, mm in enumerate(months)}
    unit[months[17]] = None  # suppressed: the trend is from month 16 against month 10
    deliver(unit=unit)
    assert f"(110 dagar {months[10]} → 116 dagar {months[16]})" in _text(_body(client_for))


@pytest.mark.parametrize(
    ("figure", "orsak"),
    [("missing", "uppgift saknas"), (None, "färre än 5 operationer"), ((0, None), "inga operationer")],
)
def test_the_trend_says_which_month_is_missing(client_for, deliver, months, figure, orsak):
    unit = {mm: (30, 100 + i) for i, mm in enumerate(months)}
    if figure == "missing":
        del unit[months[11]]
    else:
        unit[months[11]] = figure
    deliver(unit=unit)
    assert (
        f"Trenden kan inte beräknas: senaste månaden med värde är {months[17]} (117 dagar), men för {months[11]}, "
        f"sex månader tidigare, finns ingen median ({orsak})."
    ) in _text(_body(client_for))


def test_months_with_no_operations_read_as_such_and_leave_no_trend(client_for, deliver, months):
    deliver(unit=dict.fromkeys(months[-8:], (0, None)))
    body = _body(client_for)
    assert _month_rows(body)[months[17]] == "0 –"  # a real 0: no median, not "uppgift saknas"
    assert (
        "Trenden kan inte beräknas: ingen månad har en medianväntetid (en månad med 0 operationer har ingen väntetid)."
    ) in _text(body)


def test_calendar_month_arithmetic_crosses_year_ends():
    from datetime import date

    from lagesbild.manader import manad_plus, manader_fore

    assert manad_plus(date(2026, 1, 31), -1) == date(2025, 12, 1)
    assert manad_plus(date(2025, 12, 15), 1) == date(2026, 1, 1)
    assert manad_plus(date(2026, 3, 1), -18) == date(2024, 9, 1)
    assert manader_fore(date(2026, 1, 15), 3) == ["2025-10", "2025-11", "2025-12"]
    assert manader_fore(date(2026, 1, 15), 0) == []


def test_one_day_is_singular(client_for, deliver, months):
    deliver(unit={months[11]: (30, 120), months[17]: (30, 121)})
    assert "Medianväntetiden är 1 dag längre än sex månader tidigare" in _text(_body(client_for))


def test_counts_are_grouped_with_a_non_breaking_space(client_for, deliver, months):
    deliver(unit={months[17]: (1234, 50)}, windows=(2295, 40))
    body = _body(client_for)
    assert '<td class="num">2\xa0295</td>' in body  # latest figures, 90 days
    assert '<td class="num">1\xa0234</td>' in body  # the month table
    assert '<td class="num">2295</td>' not in body


def test_the_unit_page_does_not_mark_the_comparison_as_the_current_page(client_for, deliver, months):
    deliver(unit={months[17]: (30, 50)})
    nav = _body(client_for).split('<nav class="lb-nav"', 1)[1].split("</nav>", 1)[0]
    assert "aria-current" not in nav
