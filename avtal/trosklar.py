"""Volume thresholds: when a line passes 80, 95 or 100 % of its cap, every region that has used it or has open
offers on it is told once (portal notice and e-mail, vardformedling.notiser).

Checked after every write that adds to a line's volume (a reservation, a report from outside the portal), inside
its transaction and under its row lock, so two writes never both send the same threshold: `Troskelpassering` is
unique per (line, threshold). Which regions have open offers is the cases' knowledge: arenden registers a function
(`registrera_intressenter`) so that this app never imports a higher one."""

from collections.abc import Callable
from typing import cast

from django.urls import reverse

from avtal.models import AKTIVA_STATUSAR, Avtalsrad, RapporteradVolym, Troskelpassering, Volymreservation
from vardformedling import format as fmt
from vardformedling import notiser
from vardformedling.models import Roll

GRANSER = (80, 95, 100)
NOTISTYP = "takvolym"
_INTRESSENTER: list[Callable[[int], set[str]]] = []


def registrera_intressenter(funktion: Callable[[int], set[str]]) -> None:
    """`funktion(rad_id)` → region codes that also want to know about the line (arenden: open offers)."""
    if funktion not in _INTRESSENTER:
        _INTRESSENTER.append(funktion)


def regioner_for(rad_id: int) -> set[str]:
    """Regions that have used the line (portal cases, reported volume) or have open offers on it."""
    koder = set(
        Volymreservation.objects.filter(rad_id=rad_id, status__in=AKTIVA_STATUSAR).values_list("region_id", flat=True)
    )
    koder |= set(RapporteradVolym.objects.filter(rad_id=rad_id).values_list("region_id", flat=True))
    for funktion in _INTRESSENTER:
        koder |= funktion(rad_id)
    return koder


def kontrollera(rad_id: int) -> list[int]:
    """Record and announce every threshold the line has passed and not announced before; returns them."""
    rad = Avtalsrad.objects.select_related("avtal", "kva").med_volym().get(pk=rad_id)
    if not rad.takvolym:
        return []
    andel = 100 * (rad.used + rad.reserved) / rad.takvolym
    passerade = [g for g in GRANSER if andel >= g]
    if not passerade:
        return []
    redan = set(Troskelpassering.objects.filter(rad=rad).values_list("grans", flat=True))
    nya = [g for g in passerade if g not in redan]
    if not nya:
        return []
    regioner = sorted(regioner_for(rad.pk))
    for g in nya:
        # The line row is locked by the caller; the unique constraint guards a caller that forgot.
        _, skapad = Troskelpassering.objects.get_or_create(rad=rad, grans=g, defaults={"regioner": regioner})
        if skapad:
            _skicka(rad, g, regioner)
    return nya


def _skicka(rad: Avtalsrad, grans: int, regioner: list[str]) -> None:
    avtal = rad.avtal
    tak = cast(int, rad.takvolym)  # kontrollera() announces only for a line with a cap
    anvant = rad.used + rad.reserved
    if grans >= 100:
        rubrik = f"Takvolymen är nådd: avtal {avtal.avtal_id}, {rad.kva_id}"
        slutsats = "Nya reservationer på avtalsraden avvisas. Öppna erbjudanden på raden är markerade i ärendena."
    else:
        rubrik = f"{fmt.procent(grans)} av takvolymen använd: avtal {avtal.avtal_id}, {rad.kva_id}"
        slutsats = f"{fmt.antal(max(tak - anvant, 0))} platser är kvar."
    text = (
        f"Avtal {avtal.avtal_id} ({avtal.avtalsagare_id}), KVÅ-grupp {rad.kva_id} {rad.kva.benamning}: "
        f"{fmt.antal(anvant)} av {fmt.antal(tak)} ({fmt.procent(round(100 * anvant / tak))}) "
        f"är förbrukade, reserverade eller rapporterade utanför portalen. {slutsats}"
    )
    lank = reverse("avtal:detalj", args=[avtal.avtal_id]) + f"?agare={avtal.avtalsagare_id}"
    notiser.skicka(
        typ=NOTISTYP, rubrik=rubrik, text=text, lank=lank, regioner=regioner, roller=(Roll.KOORDINATOR, Roll.VARDLOTS)
    )
