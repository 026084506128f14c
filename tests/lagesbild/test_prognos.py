"""Forecasts (#20 point 3): chosen by a rolling-origin backtest against naive and seasonal naive, an 80 % interval
that covers the truth at about the nominal rate, withheld where naive wins, stored nightly and shown on the unit
page with a shaded interval and a table."""

from datetime import date, timedelta

import numpy as np
import pytest
from django.conf import settings
from django.utils import timezone

from lagesbild import tasks
from lagesbild.importers import importera_fil
from lagesbild.manader import manad_plus
from lagesbild.models import Prognos
from lagesbild.prognos import MIN_MANADER, backtest, prognostisera
from tests.lagesbild.helpers import SPOR_HEADER, write
from tests.sok.helpers import Fragor
from vardformedling.models import Roll


def test_a_known_trend_is_forecast_with_an_honest_80_percent_interval():
    rng = np.random.default_rng(20)
    traffar = antal = visade = 0
    for _ in range(120):
        sann = 60 + 3 * np.arange(21) + rng.normal(0, 4, 21)
        res = prognostisera(list(sann[:18]))
        if not res.visas:
            continue
        visade += 1
        assert res.metod == "holt" and len(res.punkter) == 3
        for (median, lag, hog), facit in zip(res.punkter, sann[18:], strict=True):
            assert lag <= median <= hog
            antal += 1
            traffar += lag <= facit <= hog
    assert visade >= 110  # a clear trend: the trend method beats "same as last month" almost always
    assert 0.72 <= traffar / antal <= 0.90, traffar / antal  # nominal 80 %


def test_the_backtest_compares_with_naive_and_seasonal_naive():
    y = 60 + 3 * np.arange(18, dtype=float)
    res = prognostisera(list(y))
    assert set(res.mae) == {"naiv", "holt", "sasong"}
    assert res.mae["holt"] < res.mae["naiv"] < res.mae["sasong"]
    assert res.mae["naiv"] == pytest.approx(9.0)  # a 3-day rise per month, three months ahead
    fel = backtest(y, "naiv")
    assert len(fel) == 3 and len(fel[2]) == 18 - 6 - 3 + 1  # rolling origins 6..15, 3 months ahead
    assert "valdes" in res.skal and "naiv prognos" in res.skal


def test_the_forecast_is_withheld_where_naive_wins():
    hopp = [100.0] * 8 + [150.0] * 6  # a level shift: "same as last month" is right every month but one
    res = prognostisera(hopp)
    assert res.metod == "naiv" and not res.visas and res.punkter == []
    assert res.skal.startswith("Ingen prognos visas: att anta att väntetiden blir som senaste månaden")
    konstant = prognostisera([80.0] * 12)  # a tie goes to the naive forecast
    assert not konstant.visas


def test_too_short_or_broken_history_gives_no_forecast():
    res = prognostisera([50.0, 52.0, None, *[55.0 + i for i in range(MIN_MANADER - 1)]])
    assert res.metod is None and not res.visas
    assert res.skal == f"För kort historik: {MIN_MANADER - 1} månader i följd, minst {MIN_MANADER} behövs."


@pytest.mark.django_db
def test_nightly_forecasts_are_stored_and_shown_on_the_unit_page(client_for, tmp_path):
    assert settings.CELERY_BEAT_SCHEDULE["lagesbild-prognoser"]["task"] == "lagesbild.tasks.berakna_prognoser"
    uttag = timezone.localdate() - timedelta(days=1)
    forsta = manad_plus(date(uttag.year, uttag.month, 1), -14)
    hsa, namn = "SE2321000180-FALU01", "Ortopedkliniken Falu lasarett"
    rader = [
        f"{uttag};20;{hsa};{namn};NGB;{manad_plus(forsta, i):%Y-%m};alla;20;{100 + 4 * i};300;50,0;10,0"
        for i in range(14)
    ]
    rader += [f"{uttag};20;{hsa};{namn};NFB;{manad_plus(forsta, i):%Y-%m};alla;20;{90 + 10 * (i >= 7)};300;50,0;10,0"
              for i in range(14)]  # fmt: skip
    importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, rader), startad_av="test")
    resultat = tasks.berakna_prognoser()
    assert resultat["serier"] == 2 and resultat["visas"] == 1 and set(resultat["mae"]) >= {"naiv", "holt"}
    ngb = Prognos.objects.get(kva_id="NGB")
    assert ngb.visas and ngb.metod == "holt" and len(ngb.punkter) == 3
    assert ngb.punkter[0]["manad"] == f"{manad_plus(forsta, 14):%Y-%m}" and ngb.punkter[0]["median"] > 150
    assert not Prognos.objects.get(kva_id="NFB").visas
    text = client_for(Roll.VARDLOTS).get(f"/lagesbild/enheter/{hsa}/").content.decode().replace("\xa0", " ")
    assert "Prognos för medianväntetiden, NGB (Holts metod med dämpad trend)" in text
    assert "<polygon" in text and "80 % intervall" in text
    assert "Prognos: Ingen prognos visas: att anta att väntetiden blir som senaste månaden" in text  # NFB
    assert tasks.berakna_prognoser()["serier"] == 2 and Prognos.objects.count() == 2  # replaced, not added


@pytest.mark.django_db
def test_search_ranks_by_the_expected_wait_at_the_planned_date_and_names_the_method(client_for, tmp_path):
    from katalog.models import Vardenhet, Vardutbud

    uttag = timezone.localdate() - timedelta(days=1)
    rader = [
        f"{uttag};20;SE2321000180-PRGA01;Enhet A;NGB;90d;alla;40;60;90;80,0;10,0",  # shorter wait now …
        f"{uttag};20;SE2321000180-PRGB01;Enhet B;NGB;90d;alla;40;80;120;70,0;10,0",
    ]
    importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, rader), startad_av="test")
    a, b = Vardenhet.objects.get(hsa_id="SE2321000180-PRGA01"), Vardenhet.objects.get(hsa_id="SE2321000180-PRGB01")
    for enhet in (a, b):
        Vardutbud.objects.create(vardenhet=enhet, kva_id="NGB")
    planerat = manad_plus(date(uttag.year, uttag.month, 1), 2)
    punkter = [{"manad": f"{planerat:%Y-%m}", "median": 150, "lag": 120, "hog": 180}]  # … but A is heading up
    Prognos.objects.create(
        vardenhet=a,
        kva_id="NGB",
        kalla="SPOR",
        grundmanad=f"{uttag:%Y-%m}",
        metod="holt",
        visas=True,
        skal="Holt.",
        mae={},
        punkter=punkter,
    )
    lots = client_for(Roll.VARDLOTS)
    lots.get("/katalog/sok/", {"q": "NGB"})  # the reference data, read once per process
    with Fragor() as fragor:
        svar = lots.get("/katalog/sok/", {"q": "NGB", "datum": planerat.isoformat()})
    assert fragor.antal <= 10, str(fragor)  # issue 15 point 8
    # The forecasts ride on the waiting times' query: no statement of their own.
    sql = [q["sql"] for q in fragor.captured_queries]
    assert not [q for q in sql if "lagesbild_prognos" in q and "lagesbild_matvarde" not in q]
    text = svar.content.decode().replace("\xa0", " ")
    assert text.index("Enhet B") < text.index("Enhet A")
    assert "förväntad väntetid vid planerat datum 150 dagar (prognos, Holts metod med dämpad trend; 80 %" in text
    assert "senaste median 60 dagar" in text


def test_the_backtest_from_one_fit_equals_refitting_statsmodels_at_every_origin():
    """Holt's states from one fit of the whole series are what a fit on each origin's months alone ends in, so the
    backtest (and the forecast) need one statsmodels fit per series, not one per origin (issue 20: 10 minutes)."""
    import warnings

    from statsmodels.tsa.holtwinters import Holt

    def refit(y, h):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = Holt(y, damped_trend=True, initialization_method="known", initial_level=y[0], initial_trend=0.0)
            return m.fit(smoothing_level=0.5, smoothing_trend=0.1, damping_trend=0.9, optimized=False).forecast(h)

    rng = np.random.default_rng(20)
    holt_visad = 0
    for n in (9, 14, 18, 30):
        y = 80 + np.cumsum(rng.normal(3, 2, n))
        fel = backtest(y, "holt")
        vantat = [[float(refit(y[:t], 3)[i] - y[t + i]) for t in range(6, n - 2)] for i in range(3)]
        assert np.allclose(fel, vantat, atol=1e-9)
        res = prognostisera(list(y))
        if res.visas and res.metod == "holt":
            holt_visad += 1
            assert np.allclose([p[0] for p in res.punkter], np.maximum(refit(y, 3), 0.0), atol=1e-9)
    assert holt_visad >= 2  # a steady trend: Holt beats the naive forecast and is shown
