"""The Python-built result markup formats numbers exactly as the template filter it replaces."""

import random
from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.utils import translation

from sok.sok_html import avtalsrader_html, tal, vantetid_html


def test_numbers_are_formatted_exactly_like_floatformat_with_swedish_decimal_comma():
    rnd = random.Random(7)
    varden = [0.0, 0.5, 1.5, 2.5, 72.45, 72.449, 99.95, 100.0, 138.4999, 1e-9]
    varden += [rnd.uniform(0, 1500) for _ in range(2000)] + [round(rnd.uniform(0, 100), 2) for _ in range(500)]
    # The portal's one rule (vardformedling/format.py): floatformat's rounding with Swedish digit grouping always.
    with translation.override("sv"):
        for v in varden:
            assert tal(v) == floatformat(v, "0g"), v
            assert tal(v, 1) == floatformat(v, "1g"), v
        for pris in [Decimal("0"), Decimal("950.50"), Decimal("18500.00"), Decimal("1234567.49"), Decimal("999.5")]:
            assert tal(pris, gruppera=True) == floatformat(pris, "0g"), pris


def test_result_fragments_escape_text_from_files():
    class Rad:
        avtal_id = "A<1>"
        avtalsagare_kod = "20"
        pris_kr = Decimal("18500")
        ersattningsmodell = "<b>fri text</b>"
        takvolym = 40
        kvar = 12

    class V:
        undertryckt = True
        kalla = "<NCR>"
        datum = None

    with translation.override("sv"):
        html = avtalsrader_html([Rad()])
    assert "A&lt;1&gt;" in html and "&lt;b&gt;fri text&lt;/b&gt;" in html and "<b>" not in html
    assert "18\xa0500\xa0kr" in html and "12 kvar av 40" in html
    assert "&lt;NCR&gt;" in vantetid_html(V()) and "färre än 5" in vantetid_html(V())
