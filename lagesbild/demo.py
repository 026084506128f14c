"""Demo register files for the demo catalogue, imported through the real importers (idempotent, fast).

Eye units get NCR CJE/CJC figures, orthopaedic/surgical units SPOR NGB/NFB/JAB/UJF, with the registers' region and
national totals, 30/90/365-day windows, 18 calendar months, some `<5` cells and several urval values. The latest
delivery is dated yesterday so nothing is stale. Väntetidsdatabasen gets 18 monthly files: January 2024 with the
published national figures (shared/samples/vantetider_202401.csv) and the 17 months up to last month.
The files are deterministic for a given date, so running again is a no-op ("redan inläst").
"""

import csv
import random
import tempfile
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from lagesbild.importers import importera_fil
from lagesbild.manader import manader_fore
from lagesbild.models import Kalla
from lagesbild.prognos import berakna_alla
from lagesbild.validering import KOLUMNER
from vardformedling import format as fmt

KATALOG = Path(settings.BASE_DIR) / "fixtures" / "demo" / "katalog_demo.csv"
NCR_KVA = ["CJE", "CJC"]
SPOR_KVA = ["NGB", "NFB", "JAB", "UJF"]
BAS_MEDIAN = {"CJE": 110, "CJC": 90, "NGB": 160, "NFB": 150, "JAB": 70, "UJF": 80}
# Units whose level is set rather than drawn: the Jönköping eye clinic meets the 90-day guarantee for cataract, so the
# demo's Jönköping waiting list has patients "inom garantin" beside Falu lasarett's knee patients at risk (issue 17).
NIVA = {("SE2321000057-OGON01", "CJE"): 60.0}
JANUARI_2024 = [  # the published national figures (over-90 counts invented in the sample)
    "2024-01;00;atgard;Alla;200231;70080;99089;98049",
    "2024-01;00;besok;Alla;485112;152810;238349;253621",
    "2024-01;20;atgard;Ögonsjukvård;2890;1604;702;688",
]


def _enheter() -> list[dict]:
    with KATALOG.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _figur(rng: random.Random, median: float, antal: int) -> list[str]:
    if antal < 5:
        return ["<5", "", "", ""]
    med = max(5, round(median))
    inom90 = max(0.0, min(100.0, 100 - (med - 40) * 0.6 + rng.uniform(-5, 5)))
    return [str(antal), str(med), str(round(med * rng.uniform(1.5, 2.1))), f"{inom90:.1f}".replace(".", ",")]


def _registerfil(kalla: Kalla, uttag: date, folder: Path) -> Path:
    kvas = NCR_KVA if kalla == Kalla.NCR else SPOR_KVA
    urval = ["alla", "narkos"] if kalla == Kalla.NCR else ["alla", "inom_3m", "inom_6m"]
    manader = manader_fore(uttag, 18)
    rows: list[list[str]] = []
    totaler: dict[tuple, list] = defaultdict(list)  # (region, kva, period) → [(antal, median)]
    for enhet in _enheter():
        for kva in kvas:
            if kva not in enhet["vardutbud"].split("|"):
                continue
            rng = random.Random(f"{enhet['vardenhet_hsaid']}-{kva}")
            niva = BAS_MEDIAN[kva] * rng.uniform(0.3, 1.8)
            niva = NIVA.get((enhet["vardenhet_hsaid"], kva), niva)
            storlek = rng.randint(4, 60) if rng.random() > 0.1 else rng.randint(1, 6)
            trend = rng.uniform(-2.5, 2.0)
            perioder = [(p, 1 if p == "30d" else 3 if p == "90d" else 12) for p in ("30d", "90d", "365d")]
            perioder += [(m, 1) for m in manader]
            for i, (period, man) in enumerate(perioder):
                for u in urval if period == "90d" else ["alla"]:
                    andel = 1.0 if u == "alla" else rng.uniform(0.05, 0.4)
                    steg = i - 3 if i >= 3 else 17
                    median = niva + trend * (steg - 17) + rng.uniform(-8, 8) + (0 if u == "alla" else 15)
                    antal = round(storlek * man * andel * rng.uniform(0.8, 1.2))
                    fig = _figur(rng, median, antal)
                    if kalla == Kalla.SPOR:
                        fig.append("" if fig[0] == "<5" else f"{rng.uniform(8, 30):.1f}".replace(".", ","))
                    region = enhet["region_kod"]
                    hsa, namn = enhet["vardenhet_hsaid"], enhet["vardenhet_namn"]
                    rows.append([uttag.isoformat(), region, hsa, namn, kva, period, u, *fig])
                    if fig[0] != "<5":
                        totaler[(region, kva, period, u)].append((antal, median))
                        totaler[("00", kva, period, u)].append((antal, median))
    for (region, kva, period, u), delar in sorted(totaler.items()):
        rng = random.Random(f"{region}-{kva}-{period}-{u}")
        antal = sum(a for a, _ in delar)
        # The register computes its totals from patient level; the demo approximates with a weighted mean.
        median = sum(a * m for a, m in delar) / antal
        fig = _figur(rng, median, antal)
        if kalla == Kalla.SPOR:
            fig.append(f"{rng.uniform(10, 25):.1f}".replace(".", ","))
        rows.append([uttag.isoformat(), region, "", "", kva, period, u, *fig])
    prefix = "ncr_katarakt" if kalla == Kalla.NCR else "spor_vantetider"
    header = [*KOLUMNER[kalla][:6], "prioritet" if kalla == Kalla.SPOR else "anestesi", *KOLUMNER[kalla][6:10]]
    if kalla == Kalla.SPOR:
        header.append("andel_asa_3_4")
    return _skriv(folder / f"{prefix}_{uttag:%Y%m%d}.csv", header, rows)


def _vantetidsfil(manad: str, folder: Path, index: int) -> Path:
    rows = [r.split(";") for r in JANUARI_2024] if manad == "2024-01" else []
    for typ, bas in (("atgard", 200_000), ("besok", 480_000)):
        rng = random.Random(f"{manad}-{typ}")
        if manad != "2024-01":
            vantande = round(bas * (1 + 0.004 * index) * rng.uniform(0.97, 1.03))
            rows.append([manad, "00", typ, "Alla", *_antal(rng, vantande)])
        for region in ("01", "03", "06", "12", "14", "20", "22"):
            andel = {"01": 0.22, "03": 0.04, "06": 0.04, "12": 0.13, "14": 0.17, "20": 0.03, "22": 0.03}[region]
            rows.append([manad, region, typ, "Alla", *_antal(rng, round(bas * andel * rng.uniform(0.95, 1.05)))])
            if typ == "atgard" and not (manad == "2024-01" and region == "20"):
                rows.append([manad, region, typ, "Ögonsjukvård", *_antal(rng, round(bas * andel * 0.07))])
    return _skriv(folder / f"vantetider_{manad.replace('-', '')}.csv", KOLUMNER[Kalla.VANTETIDER], rows)


def _antal(rng: random.Random, vantande: int) -> list[str]:
    over = round(vantande * rng.uniform(0.28, 0.4))
    ny = round(vantande * rng.uniform(0.45, 0.52))
    return [str(vantande), str(over), str(ny), str(round(ny * rng.uniform(0.95, 1.03)))]


def _skriv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(";".join(header) + "\n")
        for row in rows:
            f.write(";".join(row) + "\n")
    return path


def load(stdout=None) -> None:
    idag = timezone.localdate()
    with tempfile.TemporaryDirectory(prefix="lagesbild-demo-") as tmp:
        folder = Path(tmp)
        filer = [_vantetidsfil("2024-01", folder, 0)]
        filer += [_vantetidsfil(m, folder, i) for i, m in enumerate(manader_fore(idag, 17), start=1)]
        for dagar in (2, 1):  # an older delivery and the latest (yesterday): the run history shows both
            uttag = idag - timedelta(days=dagar)
            filer += [_registerfil(Kalla.SPOR, uttag, folder), _registerfil(Kalla.NCR, uttag, folder)]
        summering: dict[str, int] = defaultdict(int)
        for path in filer:
            res = importera_fil(path, startad_av="kommando")
            summering[res.run.get_status_display()] += 1
            if not res.lyckad:
                raise RuntimeError(f"Demofilen {path.name} avvisades: {res.fel_text[:3]} {res.run.meddelande}")
    prognoser = berakna_alla()  # as the nightly task does after an import, so the demo shows forecasts (#20)
    if stdout:
        stdout.write("Lägesbild: " + ", ".join(f"{n} {s.lower()}" for s, n in summering.items()) + ".")
        stdout.write(
            f"Prognoser: {fmt.antal(prognoser['serier'])} serier, {fmt.antal(prognoser['visas'])} visas "
            f"(slog den naiva prognosen i backtest) på {fmt.tal(prognoser['sekunder'], 1)} s."
        )
