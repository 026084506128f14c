"""Väntetidsdatabasen page reads: per month and type, nationally (region NULL) or for one region.

The page shows a bounded, continuous month axis: the latest 12/18/24/36 months with data for the selection, or
one calendar year. A month without a row is a gap ("uppgift saknas"), never skipped. Four queries.
"""

from datetime import date
from types import SimpleNamespace
from typing import Any

from lagesbild import belastning
from lagesbild.manader import manad_plus
from lagesbild.models import Typ, VantetidManad
from vardformedling.charts import Serie, linjediagram
from vardformedling.indata import citera, heltal
from vardformedling.models import Region

PERIODER = {"12": 12, "18": 18, "24": 24, "36": 36}
STANDARD_PERIOD = "18"
FARRE_AN_5 = "färre än 5"
ANTAL = ("antal_vantande", "antal_vantande_over_90", "antal_nytillkomna", "antal_genomforda")


def _visning(rad: VantetidManad) -> SimpleNamespace:
    """A table row: a suppressed count (`<5`, stored as NULL) reads "färre än 5"; the share is computed by the model,
    which never computes with a suppressed count."""
    return SimpleNamespace(
        manad_text=rad.manad_text,
        andel_inom_garanti=rad.andel_inom_garanti,
        **{namn: FARRE_AN_5 if getattr(rad, namn) is None else getattr(rad, namn) for namn in ANTAL},
    )


def _axel(fran: date, till: date) -> list[date]:
    """Every calendar month from `fran` to `till`, inclusive."""
    manader = []
    while fran <= till:
        manader.append(fran)
        fran = manad_plus(fran, 1)
    return manader


def _fonster(period: str, manader: list[date], noter: list[str]) -> tuple[str, date | None, date | None]:
    """(applied period, first month, last month) from the months that have data for the selection."""
    ar = sorted({m.year for m in manader}, reverse=True)
    if period and period not in PERIODER and heltal(period) not in ar:  # int() refuses 5,000 digits: a 500
        noter.append(f"Perioden {citera(period)} finns inte; visar de senaste {STANDARD_PERIOD} månaderna.")
        period = STANDARD_PERIOD
    period = period or STANDARD_PERIOD
    if not manader:
        return period, None, None
    if period in PERIODER:
        till = max(manader)
        return period, manad_plus(till, 1 - PERIODER[period]), till
    return period, date(int(period), 1, 1), date(int(period), 12, 1)


def vantetider_data(*, region: str, vardomrade: str, period: str = "") -> dict:
    noter: list[str] = []
    regioner = list(Region.objects.all())
    kod = Region.normalise_kod(region) or "00"
    if kod != "00" and kod not in {r.kod for r in regioner}:
        noter.append(f"Regionen {citera(kod)} finns inte; visar hela landet.")
        kod = "00"
    region_namn = "Hela landet" if kod == "00" else next(r.namn for r in regioner if r.kod == kod)
    qs = VantetidManad.objects.riket() if kod == "00" else VantetidManad.objects.filter(region_id=kod)
    omraden = sorted(set(qs.values_list("vardomrade", flat=True)), key=lambda o: (o != "Alla", o))
    if vardomrade not in omraden:
        if vardomrade and omraden:
            noter.append(f"Vårdområdet {citera(vardomrade)} finns inte för {region_namn}; visar {omraden[0]}.")
        vardomrade = omraden[0] if omraden else ""
    qs = qs.filter(vardomrade=vardomrade)
    med_data = list(qs.dates("manad", "month")) if vardomrade else []
    period, fran, till = _fonster((period or "").strip(), med_data, noter)
    axel = _axel(fran, till) if fran and till else []
    rows = list(qs.filter(manad__gte=fran, manad__lte=till)) if fran else []
    typer = []
    for typ in Typ:
        per_manad = {r.manad: r for r in rows if r.typ == typ}
        # The balance identity is checked on the national series (it holds exactly in the national tables).
        kontroll = belastning.balans(list(per_manad.values())) if kod == "00" else {}
        brott = {m: d for m, d in kontroll.items() if d}
        manader: list[dict[str, Any]] = [
            {"manad_text": m.strftime("%Y-%m"), "rad": per_manad.get(m), "balans": kontroll.get(m)} for m in axel
        ]
        etiketter = [m["manad_text"] for m in manader]
        namn = "första besök" if typ == Typ.BESOK else "operation/åtgärd"
        luckor = " Månader utan uppgift är luckor i linjerna." if len(per_manad) < len(axel) else ""
        typer.append(
            {
                "typ": typ,
                "rubrik": typ.label,
                "manader": [
                    {
                        "manad_text": m["manad_text"],
                        "rad": m["rad"] and _visning(m["rad"]),
                        "balans": m["balans"],
                    }
                    for m in manader
                ],
                "balanskontroll": kod == "00",
                "balansbrott": [f"{m:%Y-%m}" for m in sorted(brott) if m in set(axel)],
                "belastning": belastning.per_region(vardomrade=vardomrade, typ=typ, regioner=regioner)
                if vardomrade
                else {"rader": [], "manad": None, "svg": ""},
                "har_data": bool(per_manad),
                "svg": linjediagram(
                    titel=f"Väntande patienter per månad, {namn}",
                    beskrivning=(
                        f"Antal väntande vid månadens slut och antal som väntat mer än 90 dagar, {namn}, "
                        f"{region_namn}, {vardomrade}, {etiketter[0] if etiketter else ''} till "
                        f"{etiketter[-1] if etiketter else ''}.{luckor} Siffrorna finns i tabellen."
                    ),
                    etiketter=etiketter,
                    serier=[  # a suppressed count (None) is a gap in the line
                        Serie("Väntande", [m["rad"] and m["rad"].antal_vantande for m in manader]),
                        Serie(
                            "Väntat mer än 90 dagar", [m["rad"] and m["rad"].antal_vantande_over_90 for m in manader]
                        ),
                    ],
                    y_etikett="Patienter",
                    id_prefix=f"diagram-{typ}",
                ),
            }
        )
    ar = sorted({m.year for m in med_data}, reverse=True)
    return {
        "regioner": regioner,
        "region": kod,
        "region_namn": region_namn,
        "omraden": omraden,
        "vardomrade": vardomrade,
        "period": period,
        "perioder": [(k, f"Senaste {k} månaderna") for k in PERIODER] + [(str(a), f"År {a}") for a in ar],
        "fonster_text": f"{axel[0]:%Y-%m} – {axel[-1]:%Y-%m}" if axel else "",
        "typer": typer,
        "meddelanden": noter,
    }
