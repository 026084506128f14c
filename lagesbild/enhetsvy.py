"""The unit view's reads: per KVÅ group, the latest window figures and the last 18 months, with the national
series when the register delivers its national total rows. Two queries for any number of groups."""

from collections import defaultdict

from lagesbild.charts import Serie, linjediagram
from lagesbild.models import Matvarde
from lagesbild.validering import FONSTER

MANADER = 18
TREND_MANADER = 6


def _trend(manader: list[dict]) -> dict:
    """Change of the median over the last 6 months: latest month against the month 6 months earlier."""
    if len(manader) <= TREND_MANADER:
        return {"text": "För få månader för att visa trend.", "forandring": None}
    sist, forr = manader[-1], manader[-1 - TREND_MANADER]
    if sist["median"] is None or forr["median"] is None:
        return {"text": "Trenden kan inte beräknas (färre än 5 operationer en av månaderna).", "forandring": None}
    diff = sist["median"] - forr["median"]
    riktning = "kortare" if diff < 0 else "längre" if diff > 0 else "oförändrad"
    text = (
        f"Medianväntetiden är {abs(diff)} dagar {riktning} än för sex månader sedan "
        f"({forr['median']} dagar {forr['manad']} → {sist['median']} dagar {sist['manad']})."
        if diff
        else f"Medianväntetiden är oförändrad sedan {forr['manad']} ({sist['median']} dagar)."
    )
    return {"text": text, "forandring": diff}


def kva_serier(*, enhet, leveranser: dict) -> list[dict]:
    if not leveranser:
        return []
    datum = {lev.pk: (lev.kalla, lev.uttagsdatum) for lev in leveranser.values()}
    fields = ("kva_id", "kva__benamning", "leverans_id", "matperiod", "antal", "undertryckt", "median", "p90")
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
    resultat = []
    for (kod, kalla), g in sorted(grupper.items()):
        etiketter = sorted(g["m"])[-MANADER:]
        nat = riket.get((kod, kalla), {})
        manader = [
            {
                "manad": m,
                "antal": g["m"][m]["antal"],
                "undertryckt": g["m"][m]["undertryckt"],
                "median": g["m"][m]["median"],
                "riket": nat.get(m),
            }
            for m in etiketter
        ]
        serier = [Serie(f"{kod} – enheten", [m["median"] for m in manader])]
        if nat:
            serier.append(Serie(f"{kod} – riket", [m["riket"] for m in manader]))
        beskrivning = (
            f"Medianväntetid i dagar per månad för {kod} på enheten"
            + (" jämfört med riket" if nat else "")
            + (f", {etiketter[0]} till {etiketter[-1]}." if etiketter else ".")
            + " Siffrorna finns i tabellen bredvid."
        )
        resultat.append(
            {
                **g,
                "fonster": [{"period": p, **g["fonster"][p]} for p in FONSTER if p in g["fonster"]],
                "manader": manader,
                "har_riket": bool(nat),
                "trend": _trend(manader),
                "svg": linjediagram(
                    titel=f"Medianväntetid per månad, {kod} ({kalla})",
                    beskrivning=beskrivning,
                    etiketter=etiketter,
                    serier=serier,
                    y_etikett="Dagar",
                    id_prefix=f"diagram-{kod}-{kalla}".lower(),
                ),
            }
        )
    return resultat
