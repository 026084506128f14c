"""Väntetidsdatabasen page reads: per month and type, nationally (region NULL) or for one region."""

from types import SimpleNamespace

from lagesbild.charts import Serie, linjediagram
from lagesbild.models import Typ, VantetidManad
from vardformedling.models import Region

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


def vantetider_data(*, region: str, vardomrade: str) -> dict:
    regioner = list(Region.objects.all())
    region = Region.normalise_kod(region) or "00"
    if region != "00" and region not in {r.kod for r in regioner}:
        region = "00"
    qs = VantetidManad.objects.riket() if region == "00" else VantetidManad.objects.filter(region_id=region)
    omraden = sorted(set(qs.values_list("vardomrade", flat=True)), key=lambda o: (o != "Alla", o))
    if vardomrade not in omraden:
        vardomrade = omraden[0] if omraden else ""
    rows = list(qs.filter(vardomrade=vardomrade).order_by("manad")) if vardomrade else []
    typer = []
    for typ in Typ:
        manader = [r for r in rows if r.typ == typ]
        etiketter = [r.manad_text for r in manader]
        namn = "första besök" if typ == Typ.BESOK else "operation/åtgärd"
        typer.append(
            {
                "typ": typ,
                "rubrik": typ.label,
                "manader": [_visning(r) for r in manader],
                "svg": linjediagram(
                    titel=f"Väntande patienter per månad, {namn}",
                    beskrivning=(
                        f"Antal väntande vid månadens slut och antal som väntat mer än 90 dagar, {namn}, "
                        f"{vardomrade}. Siffrorna finns i tabellen bredvid."
                    ),
                    etiketter=etiketter,
                    serier=[  # a suppressed count (None) is a gap in the line
                        Serie("Väntande", [r.antal_vantande for r in manader]),
                        Serie("Väntat mer än 90 dagar", [r.antal_vantande_over_90 for r in manader]),
                    ],
                    y_etikett="Patienter",
                    id_prefix=f"diagram-{typ}",
                ),
            }
        )
    return {
        "regioner": regioner,
        "region": region,
        "region_namn": "Hela landet" if region == "00" else next(r.namn for r in regioner if r.kod == region),
        "omraden": omraden,
        "vardomrade": vardomrade,
        "typer": typer,
    }
