"""Benchmark and backtest report of the nightly forecast (lagesbild.prognos). Target: every unit × KVÅ group series
within 10 minutes on 2 cores.

    .venv/bin/python bench/prognos.py [--antal 300] [--scale 1]

Reads every series of the newest deliveries (as the nightly task does), forecasts an evenly spread sample of
`--antal` series and extrapolates the time to all of them (the task runs in one process). The backtest table:
per method the mean absolute error three months ahead (rolling origin) over the sample, and how often each was
chosen or the forecast withheld because naive did as well. Writes nothing to the database.
"""

import time

from _common import argument, forbered

MAL_SEKUNDER = 600


def main(antal: int = 300, scale: float | None = None) -> dict:
    forbered(scale)
    from collections import Counter

    from lagesbild.prognos import METODER, las_serier, prognostisera

    start = time.perf_counter()
    serier = list(las_serier().values())
    las_s = time.perf_counter() - start
    steg = max(1, len(serier) // max(antal, 1))
    urval = serier[::steg][:antal]
    prognostisera([float(50 + i) for i in range(18)])  # import statsmodels outside the timing (once per run)
    start = time.perf_counter()
    resultat = [prognostisera(varden) for _sista, varden in urval]
    sekunder = time.perf_counter() - start
    per_serie = sekunder / max(len(urval), 1)
    uppskattat = las_s + per_serie * len(serier)
    mae: dict[str, list[float]] = {}
    for r in resultat:
        for metod, varde in r.mae.items():
            mae.setdefault(metod, []).append(varde)
    valda = Counter((r.metod if r.visas else "ingen (naiv lika bra eller bättre)") for r in resultat if r.metod)
    valda["för kort historik"] = sum(1 for r in resultat if r.metod is None)
    rapport = {
        "namn": "Prognoser (nattlig körning)",
        "serier": len(serier),
        "urval": len(urval),
        "ms_per_serie": round(per_serie * 1000, 1),
        "las_s": round(las_s, 1),
        "uppskattad_s": round(uppskattat, 1),
        "mal_s": MAL_SEKUNDER,
        "uppfyllt": uppskattat < MAL_SEKUNDER,
        "mae": {METODER[m]: (round(sum(v) / len(v), 2), len(v)) for m, v in mae.items()},
        "valda": dict(valda),
    }
    print(
        f"Prognoser: {len(serier)} serier, urval {len(urval)}: {rapport['ms_per_serie']} ms/serie, läsning "
        f"{rapport['las_s']} s; uppskattat för alla {rapport['uppskattad_s']} s (mål < {MAL_SEKUNDER} s: "
        f"{'JA' if rapport['uppfyllt'] else 'NEJ'})"
    )
    for metod, (varde, n) in rapport["mae"].items():
        print(f"  backtest MAE 3 mån fram, {metod}: {varde} dagar ({n} serier)")
    print(f"  valt: {dict(valda)}")
    return rapport


def markdown(r: dict | None) -> list[str]:
    """The section of bench/RESULTS.md."""
    if not r:
        return []
    if "fel" in r:
        return ["", "## Forecasts (bench/prognos.py)", "", f"**FAILED: {r['fel']}**"]
    rader = [
        "",
        "## Forecasts and their backtest (bench/prognos.py)",
        "",
        f"{r['serier']} unit × KVÅ group series in the newest deliveries; {r['urval']} forecast as a sample: "
        f"{r['ms_per_serie']} ms per series, reading {r['las_s']} s, estimated {r['uppskattad_s']} s for all "
        f"(target < {r['mal_s']} s: {'met' if r['uppfyllt'] else 'NOT met'}).",
        "",
        "| method | backtest MAE, 3 months ahead (days) | series |",
        "|---|---|---|",
    ]
    rader += [f"| {metod} | {varde} | {n} |" for metod, (varde, n) in r["mae"].items()]
    rader += ["", "Chosen: " + ", ".join(f"{k}: {v}" for k, v in r["valda"].items()) + "."]
    return rader


if __name__ == "__main__":
    a = argument(__doc__, antal=300)
    if main(a.antal, a.scale)["uppfyllt"] is False:
        raise SystemExit("Målet nåddes inte: Prognoser (nattlig körning)")
