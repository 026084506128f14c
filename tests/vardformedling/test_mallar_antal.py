"""Counts in templates go through the one formatting rule (README "Siffror och datum"): a count with its noun through
|antal_ord ("1 234 vårdenheter", no-break space between thousands), a date through |datum. Django's |pluralize and
|date printed a national-scale count as "2345 enheter" (the search's "kan ta emot patienten", the lägesbild table's
summary, the register imports' waiting files) and the search's guarantee date by a format string of its own."""

import re
from pathlib import Path

from django.template import Context, Template

MALLAR = Path(__file__).resolve().parents[2] / "templates"


def test_no_template_counts_with_pluralize_or_formats_a_date_by_hand():
    fel = []
    for mall in sorted(MALLAR.rglob("*.html")):
        text = mall.read_text()
        for m in re.finditer(r"\|pluralize|\|date:\"Y-m-d\"", text):
            rad = text.count("\n", 0, m.start()) + 1
            fel.append(f"{mall.relative_to(MALLAR)}:{rad}: {m.group(0)}")
    assert fel == []


def test_a_count_with_its_noun_reads_thousands_with_a_no_break_space():
    mall = Template('{{ n|antal_ord:"vårdenhet,vårdenheter" }} · {{ en|antal_ord:"enhet,enheter" }}')
    assert mall.render(Context({"n": 2345, "en": 1})) == "2\u00a0345 vårdenheter · 1 enhet"
