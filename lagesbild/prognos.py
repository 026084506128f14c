"""Forecasts of a unit's monthly median wait for one KVÅ group, 1–3 months ahead, with an 80 % interval.

Three candidates: naive (the last value), seasonal naive (the value 12 months before; needs 13 months) and Holt's
linear trend (statsmodels' exponential smoothing, damped). A rolling-origin backtest over the series' own history
(each origin forecasts 3 months ahead) gives each candidate's mean absolute error; the candidate with the lowest
error is chosen, and the forecast is shown only when the chosen method is not the naive one and beats it on this
series (otherwise the reason is stored and shown). The interval is the point forecast ± z₀.₉ · σ_h, where σ_h is
the root mean square of the chosen method's own backtest errors at that horizon (so it is as wide as the method has
actually been wrong here), never narrower than the one-step residuals imply."""

import math
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from django.db import transaction

from lagesbild.manader import manad_plus
from vardformedling import format as fmt

HORISONT = 3
MIN_MANADER = 9  # history needed for a backtest with at least three origins
Z_80 = 1.2815515655446004  # the 90th percentile of the standard normal: a central 80 % interval
METODER = {"naiv": "naiv (senaste värdet)", "sasong": "säsongsnaiv (samma månad förra året)", "holt": "Holt (trend)"}


@dataclass
class Resultat:
    metod: str | None  # the chosen method; None when there is not enough history
    visas: bool
    skal: str  # why a forecast is shown or not, in Swedish
    mae: dict[str, float] = field(default_factory=dict)  # method → backtest MAE (days), 3 months ahead
    punkter: list[tuple[float, float, float]] = field(default_factory=list)  # (median, low, high) per month ahead


def _naiv(y: np.ndarray, h: int) -> np.ndarray:
    return np.repeat(y[-1], h)


def _sasong(y: np.ndarray, h: int) -> np.ndarray:
    return np.array([y[len(y) - 12 + (i % 12)] for i in range(h)])


DAMPNING = 0.9  # the damped trend's φ (fixed, as the level's and trend's smoothing below)


def holt_tillstand(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Level and trend after each month of Holt's damped-trend smoothing (statsmodels), from one fit of the whole
    series. The parameters are fixed and the start is known (the first value, no trend), so the state after the
    first t months is exactly what a fit on those t months alone ends in: the backtest reads every origin's state
    from this one fit instead of refitting per origin (tests/lagesbild/test_prognos.py checks the equality)."""
    from statsmodels.tsa.holtwinters import Holt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short series: the backtest judges the result
        modell = Holt(y, damped_trend=True, initialization_method="known", initial_level=y[0], initial_trend=0.0)
        fit = modell.fit(smoothing_level=0.5, smoothing_trend=0.1, damping_trend=DAMPNING, optimized=False)
        return np.asarray(fit.level), np.asarray(fit.trend)


def _holt_fram(niva: float, trend: float, h: int) -> np.ndarray:
    """The damped-trend forecast 1..h months from a state: level + (φ + … + φ^k) · trend (statsmodels' formula)."""
    return niva + np.cumsum(DAMPNING ** np.arange(1, h + 1)) * trend


def _holt(y: np.ndarray, h: int) -> np.ndarray:
    niva, trend = holt_tillstand(y)
    return _holt_fram(niva[-1], trend[-1], h)


PROGNOSER = {"naiv": _naiv, "sasong": _sasong, "holt": _holt}


def _kandidater(n: int) -> list[str]:
    return ["naiv", "holt"] + (["sasong"] if n >= 15 else [])  # seasonal naive needs a year before each origin


def backtest(y: np.ndarray, metod: str, h: int = HORISONT, *, tillstand=None) -> list[list[float]]:
    """Rolling origin: fit on the first t months, forecast h ahead, for every origin with h months after it and at
    least 6 (seasonal: 12) months before it. Returns per horizon (1..h) the errors (forecast − actual). Holt's
    states come from one fit (`holt_tillstand`, or `tillstand` when the caller has it)."""
    fel: list[list[float]] = [[] for _ in range(h)]
    forsta = 12 if metod == "sasong" else 6
    if metod == "holt":
        niva, trend = tillstand if tillstand is not None else holt_tillstand(y)
    for t in range(forsta, len(y) - h + 1):
        prognos = _holt_fram(niva[t - 1], trend[t - 1], h) if metod == "holt" else PROGNOSER[metod](y[:t], h)
        for i in range(h):
            fel[i].append(float(prognos[i] - y[t + i]))
    return fel


def prognostisera(varden: list[float | None], h: int = HORISONT) -> Resultat:
    """The forecast for a monthly series (oldest first; a gap or suppressed month is None). Only the unbroken run
    of months at the end is used."""
    svans: list[float] = []
    for v in reversed(varden):
        if v is None:
            break
        svans.append(float(v))
    y = np.array(svans[::-1])
    if len(y) < MIN_MANADER:
        return Resultat(None, False, f"För kort historik: {len(y)} månader i följd, minst {MIN_MANADER} behövs.")
    tillstand = holt_tillstand(y)  # one statsmodels fit per series: the backtest's origins and the forecast
    fel = {m: backtest(y, m, h, tillstand=tillstand) for m in _kandidater(len(y))}
    mae = {m: float(np.mean(np.abs(f[h - 1]))) for m, f in fel.items() if f[h - 1]}
    valt = min(mae, key=lambda m: (mae[m], m != "naiv"))  # a tie goes to the naive forecast
    if valt == "naiv":
        return Resultat(
            "naiv",
            False,
            "Ingen prognos visas: att anta att väntetiden blir som senaste månaden har träffat lika bra eller "
            f"bättre i efterhand ({_dagar(mae['naiv'])} fel i snitt tre månader fram"
            + "".join(f", {METODER[m]} {_dagar(v)}" for m, v in mae.items() if m != "naiv")
            + ").",
            mae,
        )
    punkt = _holt_fram(tillstand[0][-1], tillstand[1][-1], h) if valt == "holt" else PROGNOSER[valt](y, h)
    steg1 = np.diff(y)  # one-step changes: the least uncertainty a month ahead can have
    golv = float(np.sqrt(np.mean(steg1**2))) if len(steg1) else 0.0
    punkter = []
    for i in range(h):
        sigma = max(math.sqrt(float(np.mean(np.square(fel[valt][i])))), golv * math.sqrt((i + 1) / 2))
        varde = max(float(punkt[i]), 0.0)
        punkter.append((varde, max(varde - Z_80 * sigma, 0.0), varde + Z_80 * sigma))
    return Resultat(
        valt,
        True,
        f"{METODER[valt].capitalize()} valdes: {_dagar(mae[valt])} fel i snitt tre månader fram i efterhand, "
        f"mot {_dagar(mae['naiv'])} för en naiv prognos.",
        mae,
        punkter,
    )


def _dagar(varde: float) -> str:
    return fmt.dagar(round(varde, 1))


def _manader(forsta: str, sista: str) -> list[str]:
    m, slut = date(int(forsta[:4]), int(forsta[5:7]), 1), date(int(sista[:4]), int(sista[5:7]), 1)
    ut = []
    while m <= slut:
        ut.append(f"{m:%Y-%m}")
        m = manad_plus(m, 1)
    return ut


def las_serier() -> dict[tuple[int, str, str], tuple[str, list[float | None]]]:
    """(unit id, KVÅ group, register) → (last month, monthly medians on a continuous axis, a gap or "<5" = None)
    from the newest SPOR and NCR deliveries (urval "alla"). One query, streamed."""
    from lagesbild.api import senaste_leveranser
    from lagesbild.models import Matvarde

    leveranser = senaste_leveranser()
    kalla_for = {lev.pk: lev.kalla for lev in leveranser.values()}
    per_serie: dict[tuple, dict[str, float | None]] = defaultdict(dict)
    rader = (
        Matvarde.objects.for_leveranser(leveranser.values())
        .enheter()
        .manader()
        .filter(urval="alla")
        .values_list("vardenhet_id", "kva_id", "leverans_id", "matperiod", "median", "undertryckt")
    )
    for enhet, kva, lev_id, manad, median, undertryckt in rader.iterator(chunk_size=10000):
        per_serie[(enhet, kva, kalla_for[lev_id])][manad] = None if undertryckt else median
    serier = {}
    for nyckel, per_manad in per_serie.items():
        axel = _manader(min(per_manad), max(per_manad))
        serier[nyckel] = (axel[-1], [per_manad.get(m) for m in axel])
    return serier


def berakna_alla() -> dict:
    """The nightly run: a forecast for every unit × KVÅ group × register with monthly medians in the newest SPOR and
    NCR deliveries, stored in `Prognos` (the old rows replaced in one transaction, so pages never see half a run).
    Returns counts and the backtest's mean absolute errors per method (the report in `make bench`)."""
    from lagesbild.models import Prognos

    start = time.perf_counter()
    serier = las_serier()
    nya: list = []
    summa_mae: defaultdict[str, float] = defaultdict(float)
    antal_mae: defaultdict[str, int] = defaultdict(int)
    valda: defaultdict[str, int] = defaultdict(int)
    for (enhet, kva, kalla), (sista, varden) in serier.items():
        res = prognostisera(varden)
        bas = date(int(sista[:4]), int(sista[5:7]), 1)
        for m, v in res.mae.items():
            summa_mae[m] += v
            antal_mae[m] += 1
        if res.metod:
            valda[res.metod if res.visas else "ingen (naiv bäst)"] += 1
        nya.append(
            Prognos(
                vardenhet_id=enhet,
                kva_id=kva,
                kalla=kalla,
                grundmanad=sista,
                metod=res.metod or "",
                visas=res.visas,
                skal=res.skal,
                mae={m: round(v, 2) for m, v in res.mae.items()},
                punkter=[
                    {"manad": f"{manad_plus(bas, i + 1):%Y-%m}", "median": round(p), "lag": round(lo), "hog": round(hi)}
                    for i, (p, lo, hi) in enumerate(res.punkter)
                ],
            )
        )
    with transaction.atomic():
        Prognos.objects.all().delete()
        Prognos.objects.bulk_create(nya, batch_size=2000)
    return {
        "serier": len(nya),
        "visas": sum(p.visas for p in nya),
        "valda": dict(valda),
        "mae": {m: round(summa_mae[m] / antal_mae[m], 2) for m in summa_mae},
        "sekunder": round(time.perf_counter() - start, 1),
    }
