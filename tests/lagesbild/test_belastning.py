"""Load from Väntetidsdatabasen (#20 point 4): inflow, output, ratio and months to clear per region as chart and
table, and the national balance identity waiting(m) = waiting(m−1) + new(m) − performed(m) with flagged months."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from lagesbild.belastning import Belastning, balansbrott
from lagesbild.importers import importera_fil
from lagesbild.manader import manad_plus
from lagesbild.models import VantetidManad
from tests.lagesbild.helpers import VT_HEADER, write
from vardformedling.models import Roll

# The published national figures for January 2024 (shared/samples/vantetider_202401.csv, operation/åtgärd).
JAN_2024 = (200231, 99089, 98049)


def nationell_serie() -> list[VantetidManad]:
    """January 2023 – January 2024, ending in the published January 2024 figures; every month balances."""
    manader = [manad_plus(date(2023, 1, 1), i) for i in range(13)]
    nya = [95000 + 700 * (i % 5) for i in range(12)] + [JAN_2024[1]]
    utforda = [94000 + 650 * (i % 4) for i in range(12)] + [JAN_2024[2]]
    vantande = [0] * 13
    vantande[12] = JAN_2024[0]
    for i in range(12, 0, -1):  # backwards: waiting(m−1) = waiting(m) − new(m) + performed(m)
        vantande[i - 1] = vantande[i] - nya[i] + utforda[i]
    return [
        VantetidManad(
            manad=m, typ="atgard", vardomrade="Alla", antal_vantande=v, antal_nytillkomna=n, antal_genomforda=u
        )
        for m, v, n, u in zip(manader, vantande, nya, utforda, strict=True)
    ]


def test_the_national_series_jan_2023_to_jan_2024_balances():
    serie = nationell_serie()
    assert (serie[-1].antal_vantande, serie[-1].antal_nytillkomna, serie[-1].antal_genomforda) == JAN_2024
    assert balansbrott(serie) == {}


def test_a_delivery_that_breaks_the_balance_is_flagged():
    serie = nationell_serie()
    serie[5].antal_vantande += 500  # June 2023 delivered 500 too many waiting
    assert balansbrott(serie) == {date(2023, 6, 1): 500, date(2023, 7, 1): -500}


def test_gaps_and_suppressed_counts_are_not_checked():
    serie = nationell_serie()
    del serie[3]  # April 2023 missing: April and May cannot be checked
    serie[8].antal_nytillkomna = None  # "<5"
    assert balansbrott(serie) == {}


def test_ratio_and_months_to_clear():
    b = Belastning("20", "Dalarna", date(2024, 1, 1), vantande=2890, nytillkomna=702, genomforda=688)
    assert round(b.kvot, 3) == 1.020 and round(b.manader_att_beta_av, 1) == 4.2
    assert Belastning("20", "Dalarna", None, None, None, None).kvot is None
    assert Belastning("20", "Dalarna", date(2024, 1, 1), 10, 5, 0).manader_att_beta_av is None


@pytest.mark.django_db
def test_the_page_shows_load_per_region_and_flags_a_broken_month(client_for, tmp_path):
    idag = timezone.localdate()
    m2 = idag.replace(day=1) - timedelta(days=1)
    m1 = m2.replace(day=1) - timedelta(days=1)
    rader = {
        m1: [f"{m1:%Y-%m};00;atgard;Alla;1000;100;300;290", f"{m1:%Y-%m};20;atgard;Alla;100;10;30;29"],
        # 1000 + 310 − 300 = 1010, but the delivery says 1015: broken by +5.
        m2: [f"{m2:%Y-%m};00;atgard;Alla;1015;100;310;300", f"{m2:%Y-%m};20;atgard;Alla;90;10;20;40"],
    }
    for m, r in rader.items():
        importera_fil(write(tmp_path, f"vantetider_{m:%Y%m}.csv", VT_HEADER, r), startad_av="test")
    svar = client_for(Roll.VARDLOTS).get("/lagesbild/vantetider/", {"vardomrade": "Alla"})
    text = " ".join(svar.content.decode().replace("\xa0", " ").split())
    assert f"Leveransen bryter balansen för {m2:%Y-%m}" in text
    assert "Bryter balansen (+5)" in text
    assert f"Belastning per region, Alla, {m2:%Y-%m}" in text
    assert '20 Region Dalarna</th> <td class="num">90</td><td class="num">20</td><td class="num">40</td>' in text
    assert '<td class="num">0,50</td><td class="num">2,3</td>' in text  # 20/40; 90/40
    assert "uppgift saknas" in text  # regions without figures are listed, not dropped
    assert "<svg" in text and "Inflöde i förhållande till genomförda" in text
