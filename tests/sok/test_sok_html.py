"""The Python-built result markup is the template markup: numbers as the template filters, each result as
templates/sok/_traff.html."""

import random
from datetime import date
from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import translation

from katalog.models import KvaGrupp
from sok.search import Referens, Sokparametrar, hydrera, sok
from sok.sok_html import avtalsrader_html, tal, traff_html, vantetid_html
from tests.factories import VardenhetFactory, VardutbudFactory
from tests.sok.helpers import Fakes, rad, vantetid


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


# --- One source: the Python-built result equals templates/sok/_traff.html (with _vantetid/_avtalsrader) --------------


@pytest.fixture
def traffar(monkeypatch, db):
    """Results covering every branch of the markup: contact, provider, region-only units, waits, agreement lines,
    and text from files that must be escaped."""
    fakes = Fakes(monkeypatch)
    enheter = [
        VardenhetFactory(namn="Öga & Lins <AB>", telefon="018-12 34 56", epost="info@oga.se", ort="Uppsala"),
        VardenhetFactory(namn='Klinik "Norr"', telefon="", epost="norr@example.se", ort="", vardgivare=None),
        VardenhetFactory(namn="Kirurgen Syd", telefon="040-99 88 77", epost="", lat=None, lon=None),
        VardenhetFactory(namn="Tom kontakt", telefon="", epost=""),
    ]
    utbud = [
        VardutbudFactory(vardenhet=enheter[0], max_asa=3, narkos=True),
        VardutbudFactory(vardenhet=enheter[1], max_asa=4, narkos=False, tar_emot_andra_regioner=False),
        VardutbudFactory(vardenhet=enheter[2], max_asa=3, narkos=True),
        VardutbudFactory(vardenhet=enheter[3], max_asa=2, narkos=True),
    ]
    fakes.vantetider = {
        utbud[0].vardenhet_id: vantetid(45, antal=120),
        utbud[1].vardenhet_id: vantetid(None, antal=None, kalla="<SPOR>"),
        utbud[2].vardenhet_id: vantetid(12, undertryckt=True),
    }
    fakes.rader = {
        utbud[0].vardenhet_id: [rad(1, "18500.50", kvar=12, takvolym=40), rad(2, None, avtal_id="RS 2023/0401 & <x>")],
        utbud[1].vardenhet_id: [rad(3, "1234567", kvar=0, takvolym=10)],
        utbud[2].vardenhet_id: [rad(4, "999.5")],
    }
    params = Sokparametrar(
        kva=KvaGrupp.objects.get(kod="CJE"),
        patientregion="03",
        referens=Referens(59.0, 17.0, "test"),
        datum=date(2026, 12, 1),
        vardgaranti=date(2026, 12, 31),  # the first unit (45 days) does not meet it
    )
    resultat = sok(params).traffar
    hydrera(resultat)
    assert len(resultat) == 4
    assert [t.klarar_vardgaranti for t in resultat].count(False) == 1
    return resultat


@pytest.mark.parametrize("arende", ["", "VF-2026-20-000123-1"])
def test_each_result_is_exactly_the_template_markup(traffar, arende):
    with translation.override("sv"):
        for t in traffar:
            assert traff_html(t, arende=arende) == render_to_string("sok/_traff.html", {"t": t, "arende": arende})
