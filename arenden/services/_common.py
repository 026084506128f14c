"""Shared pieces of the case services: locking with version check, transitions, history rows, volume calls."""

from collections.abc import Callable
from types import MethodType
from typing import Any, cast

from django.core.exceptions import ValidationError
from django_fsm import can_proceed

from arenden.models import Arende, ArendeHandelse

ANDRAT_AV_ANNAN = "Ärendet har ändrats av någon annan. Sidan visar nu de senaste uppgifterna."
OTILLATEN_OVERGANG = "Det går inte att {vad} när ärendet har status ”{status}”."


def las_arende(arende: Arende | int, version: int | None) -> Arende:
    """Locks the case row (SELECT … FOR UPDATE) and refuses a write based on a stale version."""
    pk = arende.pk if isinstance(arende, Arende) else arende
    locked = Arende.objects.select_for_update(of=("self",)).select_related("region", "kva").get(pk=pk)
    if version is not None and int(version) != locked.version:
        raise ValidationError(ANDRAT_AV_ANNAN, code="andrat")
    return locked


def kontrollera_overgang(overgang: Callable[[], object], vad: str) -> None:
    """Refuses (Swedish message naming the status) a transition the case's status does not allow.

    `overgang` is the case's bound FSM method, e.g. `arende.overfor`."""
    if not can_proceed(overgang):
        arende: Any = cast(MethodType, overgang).__self__  # the case the FSM method is bound to
        raise ValidationError(OTILLATEN_OVERGANG.format(vad=vad, status=arende.get_status_display()), code="otillaten")


def overga(overgang: Callable[[], object], vad: str) -> None:
    """Performs the transition (the case's bound FSM method) after `kontrollera_overgang`."""
    kontrollera_overgang(overgang, vad)
    overgang()


def kontrollera_status(arende: Arende, tillatna, vad: str) -> None:
    if arende.status not in tillatna:
        raise ValidationError(OTILLATEN_OVERGANG.format(vad=vad, status=arende.get_status_display()), code="otillaten")


def spara(
    arende: Arende,
    *,
    fran: str,
    handelse: str,
    anvandare=None,
    uppdrag=None,
    motivering: str = "",
    portaltext: str = "",
) -> ArendeHandelse:
    """Saves the case with a bumped version and writes the history row (same transaction as the caller). What a
    person typed (`motivering`) is stored only sealed under the case's data key; `portaltext` (the portal's own
    words, no patient data) in clear."""
    from arenden.services import identitet

    arende.version += 1
    arende.save()
    rad = ArendeHandelse(
        arende=arende,
        fran_status=fran,
        till_status=arende.status,
        handelse=handelse,
        anvandare=anvandare,
        uppdrag=uppdrag.etikett if uppdrag is not None else "",
        motivering=portaltext or "",
    )
    identitet.forsegla_text(rad, "motivering", motivering or "", arende=arende)
    rad.save()
    return rad


def volym_reservera(*, rad, referens: str, region, anvandare=None) -> None:
    from avtal import services as avtal_services

    avtal_services.volym_reservera(rad=rad, referens=referens, region=region, anvandare=anvandare)


def volym_slapp(*, referens: str, anvandare=None) -> int:
    from avtal import services as avtal_services

    return avtal_services.volym_slapp(referens=referens, anvandare=anvandare)


def volym_forbruka(*, referens: str, anvandare=None) -> None:
    from avtal import services as avtal_services

    avtal_services.volym_forbruka(referens=referens, anvandare=anvandare)
