"""The one formatting rule (vardformedling/format.py), its template filters, and the charts' whole-number ticks."""

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.template import Context, Template

from vardformedling import format as fmt
from vardformedling.charts import Serie, radbryt, stapeldiagram

N = "\u00a0"


def test_money_counts_percentages_and_dates_read_one_way():
    assert fmt.kr(Decimal("12900.00")) == f"12{N}900{N}kr"
    assert fmt.kr(Decimal("11800")) == f"11{N}800{N}kr"
    assert fmt.kr(Decimal("12900.5")) == f"12{N}900,50{N}kr"
    assert fmt.kr(None) == ""
    assert fmt.antal(1234567) == f"1{N}234{N}567" and fmt.antal(0) == "0"
    assert fmt.procent(66.6) == f"67{N}%" and fmt.procent(21.94, 1) == f"21,9{N}%"
    assert fmt.andel(2, 3) == f"67{N}%" and fmt.andel(1, 0) == ""
    assert fmt.tal(-0.04, 1) == "0,0" and fmt.tal(2.5) == "3"  # half up, never "-0"
    assert fmt.dagar(1) == f"1{N}dag" and fmt.dagar(45) == f"45{N}dagar" and fmt.dagar(12.5) == f"12,5{N}dagar"
    assert fmt.datum(date(2026, 12, 7)) == "2026-12-07"
    assert fmt.datum_lang(date(2026, 12, 7)) == "7 december 2026"
    sent = datetime(2026, 12, 7, 23, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 next day in Stockholm
    assert fmt.tidpunkt(sent) == "2026-12-08 00:30" and fmt.datum(sent) == "2026-12-08"


def test_plural_forms_agree_with_the_count():
    assert fmt.antal_ord(1, "nytt avtal", "nya avtal") == "1 nytt avtal"
    assert fmt.antal_ord(3, "nytt avtal", "nya avtal") == "3 nya avtal"
    assert fmt.antal_ord(0, "ärende", "ärenden") == "0 ärenden"


def test_template_filters_are_builtin():
    t = Template(
        '{{ p|kr }}|{{ n|antal_ord:"loggrad,loggrader" }}|{{ x|procent:1 }}|{{ d|datum_lang }}'
        '|{{ n|plural:"dag,dagar" }}'
    )
    ut = t.render(Context({"p": Decimal("13500.00"), "n": 1, "x": 21.94, "d": date(2027, 1, 18)}))
    assert ut == f"13{N}500{N}kr|1 loggrad|21,9{N}%|18 januari 2027|dag"


def test_charts_of_patient_counts_have_whole_number_ticks():
    svg = stapeldiagram(titel="t", beskrivning="d", etiketter=["a", "b"], serier=[Serie("Antal", [1, 2])])
    ticks = re.findall(r'text-anchor="end" font-size="11" fill="#333">([^<]*)<', svg)
    assert ticks == ["0", "1", "2", "3", "4"]


def test_a_bar_chart_legend_of_four_series_stays_inside_the_chart():
    """The delivery plan's chart (Planerat, Erbjudna, Accepterade, Utförda) lost its fourth name past the edge."""
    namn = ["Planerat", "Erbjudna", "Accepterade", "Utförda"]
    svg = stapeldiagram(titel="t", beskrivning="d", etiketter=["a"], serier=[Serie(n, [1]) for n in namn])
    for n in namn:
        x = float(re.search(rf'<text x="([0-9.]+)" y="[0-9.]+" font-size="12" fill="#222">{n}<', svg).group(1))
        assert x + 7 * len(n) <= 640, n  # about 7 px per character at font-size 12


def test_long_labels_wrap_between_words_and_keep_the_full_text():
    rader, kortad = radbryt("Vill vänta på vård i hemregionen", 18)
    assert rader == ["Vill vänta på vård", "i hemregionen"] and not kortad
    svg = stapeldiagram(
        titel="t",
        beskrivning="d",
        etiketter=["Medicinskt olämplig för vårdförmedling"] * 6,
        serier=[Serie("A", [1] * 6)],
    )
    assert "<title>Medicinskt olämplig för vårdförmedling</title>" in svg
