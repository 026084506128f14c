"""The unit view's reads: per KVÅ group, the latest window figures and the last 18 months, with the national
series when the register delivers its national total rows. Two queries for any number of groups.

The month axis is always the 18 calendar months before the delivery date (REGISTER_FILES.md): a month the
register has no row for is a gap ("uppgift saknas"), never skipped, so the chart and the trend keep calendar time.
"""

from collections import defaultdict
from typing import Any

from lagesbild.manader import manad_plus, manader_fore, manadstext
from lagesbild.models import Matvarde, Prognos, manad_start
from lagesbild.validering import FONSTER
from vardformedling import format as fmt
from vardformedling.charts import Serie, linjediagram

MANADER = 18
TREND_MANADER = 6


def dagar(n: int) -> str:
    return f"{n} dag" if abs(n) == 1 else f"{n} dagar"


def _utan_median(manad: dict | None) -> str:
    """Why a month has no median, in words: a count of 0 is a real zero (no operations), not a missing figure."""
    if manad and manad["undertryckt"]:
        return "färre än 5 operationer"
    if manad and manad["antal"] == 0:
        return "inga operationer"
    return "uppgift saknas"


def _trend(manader: list[dict]) -> dict:
    """Change of the median over 6 calendar months: the latest month with a median against the month 6 calendar
    months before it (not 6 rows before: months without data are gaps, not skipped)."""
    per_manad = {m["manad"]: m for m in manader}
    sist = next((m for m in reversed(manader) if m["median"] is not None), None)
    if sist is None:
        noll = " (en månad med 0 operationer har ingen väntetid)" if any(m["antal"] == 0 for m in manader) else ""
        return {"text": f"Trenden kan inte beräknas: ingen månad har en medianväntetid{noll}.", "forandring": None}
    forr_manad = manadstext(manad_plus(manad_start(sist["manad"]), -TREND_MANADER))
    forr = per_manad.get(forr_manad)
    if forr is None or forr["median"] is None:
        orsak = _utan_median(forr)
        return {
            "text": (
                f"Trenden kan inte beräknas: senaste månaden med värde är {sist['manad']} "
                f"({dagar(sist['median'])}), men för {forr_manad}, sex månader tidigare, finns ingen median "
                f"({orsak})."
            ),
            "forandring": None,
        }
    diff = sist["median"] - forr["median"]
    riktning = "kortare" if diff < 0 else "längre"
    text = (
        f"Medianväntetiden är {dagar(abs(diff))} {riktning} än sex månader tidigare "
        f"({dagar(forr['median'])} {forr['manad']} → {dagar(sist['median'])} {sist['manad']})."
        if diff
        else f"Medianväntetiden är oförändrad sedan {forr['manad']} ({dagar(sist['median'])})."
    )
    return {"text": text, "forandring": diff}


def kva_serier(*, enhet, leveranser: dict) -> list[dict]:
    if not leveranser:
        return []
    datum = {lev.pk: (lev.kalla, lev.uttagsdatum) for lev in leveranser.values()}
    fields: tuple[str, ...] = (
        "kva_id",
        "kva__benamning",
        "leverans_id",
        "matperiod",
        "antal",
        "undertryckt",
        "median",
        "p90",
    )
    fields += ("andel_inom_90", "andel_asa_3_4")
    rows = Matvarde.objects.for_leveranser(leveranser.values()).filter(vardenhet=enhet, urval="alla").values(*fields)
    grupper: dict[tuple, dict] = {}
    for r in rows:
        kalla, uttag = datum[r["leverans_id"]]
        g = grupper.setdefault(
            (r["kva_id"], kalla),
            {
                "kod": r["kva_id"],
                "benamning": r["kva__benamning"],
                "kalla": kalla,
                "datum": uttag,
                "fonster": {},
                "m": {},
            },
        )
        if r["matperiod"] in FONSTER:
            g["fonster"][r["matperiod"]] = r
        else:
            g["m"][r["matperiod"]] = r
    if not grupper:
        return []
    riket: dict[tuple, dict[str, int | None]] = defaultdict(dict)
    nationella = (
        Matvarde.objects.for_leveranser(leveranser.values())
        .riket()
        .manader()
        .filter(kva_id__in={k for k, _ in grupper}, urval="alla")
        .values_list("kva_id", "leverans_id", "matperiod", "median")
    )
    for kva_id, lev_id, manad, median in nationella:
        riket[(kva_id, datum[lev_id][0])][manad] = median
    prognoser = {(p.kva_id, p.kalla): p for p in Prognos.objects.filter(vardenhet=enhet)}
    resultat = []
    for (kod, kalla), g in sorted(grupper.items()):
        etiketter = manader_fore(g["datum"], MANADER)
        nat = riket.get((kod, kalla), {})
        manader: list[dict[str, Any]] = []
        for m in etiketter:
            rad = g["m"].get(m)
            manader.append(
                {
                    "manad": m,
                    "saknas": rad is None,
                    "antal": rad["antal"] if rad else None,
                    "undertryckt": bool(rad and rad["undertryckt"]),
                    "median": rad["median"] if rad else None,
                    "riket": nat.get(m),
                }
            )
        prognos = prognoser.get((kod, kalla))
        framat = prognos.punkter if prognos and prognos.visas and prognos.grundmanad == etiketter[-1] else []
        tomt = [None] * len(framat)
        serier = [Serie(f"{kod} – enheten", [m["median"] for m in manader] + tomt)]
        if nat:
            serier.append(Serie(f"{kod} – riket", [m["riket"] for m in manader] + tomt))
        band = None
        if framat:  # the line continues from the last month into the forecast, inside its shaded 80 % interval
            historik = [None] * (len(manader) - 1) + [manader[-1]["median"]]
            serier.append(Serie(f"{kod} – prognos", historik + [p["median"] for p in framat]))
            band = (historik + [p["lag"] for p in framat], historik + [p["hog"] for p in framat])
        beskrivning = (
            f"Medianväntetid i dagar per månad för {kod} på enheten"
            + (" jämfört med riket" if nat else "")
            + f", {etiketter[0]} till {etiketter[-1]}."
            + (" Månader utan median är luckor i linjen." if any(m["median"] is None for m in manader) else "")
            + (
                f" Prognosen för {framat[0]['manad']} till {framat[-1]['manad']} visas med ett skuggat "
                f"{fmt.procent(80)}-intervall."
                if framat
                else ""
            )
            + " Siffrorna finns i tabellen bredvid."
        )
        resultat.append(
            {
                **g,
                "fonster": [{"period": p, **g["fonster"][p]} for p in FONSTER if p in g["fonster"]],
                # The ASA 3–4 share as the register defines it: over the last 12 months, whatever the window.
                "prognos": prognos,
                "prognos_punkter": framat,
                "asa_12": (g["fonster"].get("365d") or {}).get("andel_asa_3_4"),
                "manader": manader,
                "har_manader": bool(g["m"]),
                "har_luckor": any(m["median"] is None for m in manader),
                "har_riket": bool(nat),
                "trend": _trend(manader),
                "svg": linjediagram(
                    titel=f"Medianväntetid per månad, {kod} ({kalla})",
                    beskrivning=beskrivning,
                    etiketter=etiketter + [p["manad"] for p in framat],
                    serier=serier,
                    y_etikett="Dagar",
                    id_prefix=f"diagram-{kod}-{kalla}".lower(),
                    band=band,
                    band_namn=f"{fmt.procent(80)} intervall",
                ),
            }
        )
    return resultat
