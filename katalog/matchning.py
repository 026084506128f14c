"""Capacity announcements meet waiting cases (issue #19 point 7): when a unit publishes capacity, the coordinators of
every region with open cases that fit it are told how many, and the announcement keeps the total.

Which cases fit is the cases' knowledge: arenden registers a function (`registrera_matchare`) so that the catalogue
never imports a higher app."""

from collections.abc import Callable

from django.urls import reverse

from vardformedling import format as fmt
from vardformedling import notiser
from vardformedling.models import Roll

NOTISTYP = "kapacitet"
_MATCHARE: list[Callable] = []


def registrera_matchare(funktion: Callable) -> None:
    """`funktion(annons)` → {region code: number of its open cases that fit the announcement}."""
    if funktion not in _MATCHARE:
        _MATCHARE.append(funktion)


def matchande_per_region(annons) -> dict[str, int]:
    ut: dict[str, int] = {}
    for funktion in _MATCHARE:
        for region, n in funktion(annons).items():
            ut[region] = ut.get(region, 0) + n
    return {r: n for r, n in ut.items() if n}


def meddela(annons) -> dict[str, int]:
    """Count the fitting cases, store the total on the announcement and notify each region's coordinators."""
    per_region = matchande_per_region(annons)
    annons.matchande_arenden = sum(per_region.values())
    annons.save(update_fields=["matchande_arenden"])
    lank = reverse("katalog:kapacitet")
    for region, n in sorted(per_region.items()):
        notiser.skicka(
            typ=NOTISTYP,
            rubrik=f"Ledig kapacitet för {annons.kva_id}: {fmt.antal_ord(n, 'öppet ärende', 'öppna ärenden')} passar",
            text=(
                f"{annons.avsandare} erbjuder {fmt.antal(annons.antal)} × {annons.kva_id} "
                f"{annons.kva.benamning}{' ' + annons.period if annons.period else ''}. "
                f"{fmt.antal_ord(n, 'öppet ärende', 'öppna ärenden')} i er region passar (KVÅ-grupp, ASA, narkos, "
                f"datum och avtal som regionen får nyttja). Kontakt: {annons.kontakt}."
            ),
            lank=lank,
            regioner=[region],
            roller=(Roll.KOORDINATOR,),
        )
    return per_region
