"""What other apps (uppfoljning, sok; later patient and the open API) read of brokering cases.

The case model and its statuses are handed on from here so that a reader names one module of arenden; the
services (writes) stay in arenden.services."""

from datetime import date

from django.core.exceptions import ValidationError

from arenden import case_id as case_ids
from arenden.models import OPPNA, Arende, ArendeHandelse, Avslutsorsak, Erbjudande, Fakturarad, Status

__all__ = [
    "OPPNA",
    "Arende",
    "ArendeHandelse",
    "Avslutsorsak",
    "Erbjudande",
    "Fakturarad",
    "Status",
    "mottagande_vardgivare",
    "vardgaranti_for_arende",
]


def mottagande_vardgivare() -> list[tuple[int, str]]:
    """(id, name) of every provider whose units have received cases, by name."""
    return list(
        Arende.objects.filter(mottagande_enhet__vardgivare__isnull=False)
        .values_list("mottagande_enhet__vardgivare_id", "mottagande_enhet__vardgivare__namn")
        .distinct()
        .order_by("mottagande_enhet__vardgivare__namn", "mottagande_enhet__vardgivare_id")
    )


def vardgaranti_for_arende(*, case_id: str, user, uppdrag) -> date | None:
    """The last day of the care guarantee of a case the commission may see (PDL), or None (malformed, unknown or
    not visible: the caller cannot tell which, so IDs cannot be probed). One query; no patient data is read."""
    try:
        canonical = case_ids.normalise(case_id)
    except ValidationError:
        return None
    return (
        Arende.objects.visible_to(user, uppdrag)
        .filter(case_id=canonical)
        .values_list("vardgaranti_datum", flat=True)
        .first()
    )
