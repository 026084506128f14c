"""What other apps (uppfoljning; later patient and the open API) read of brokering cases.

The case model and its statuses are handed on from here so that a reader names one module of arenden; the
services (writes) stay in arenden.services."""

from arenden.models import OPPNA, Arende, ArendeHandelse, Avslutsorsak, Erbjudande, Status

__all__ = ["OPPNA", "Arende", "ArendeHandelse", "Avslutsorsak", "Erbjudande", "Status", "mottagande_vardgivare"]


def mottagande_vardgivare() -> list[tuple[int, str]]:
    """(id, name) of every provider whose units have received cases, by name."""
    return list(
        Arende.objects.filter(mottagande_enhet__vardgivare__isnull=False)
        .values_list("mottagande_enhet__vardgivare_id", "mottagande_enhet__vardgivare__namn")
        .distinct()
        .order_by("mottagande_enhet__vardgivare__namn", "mottagande_enhet__vardgivare_id")
    )
