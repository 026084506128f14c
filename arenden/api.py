"""What other apps (uppfoljning, sok; later patient and the open API) read of brokering cases.

The case model and its statuses are handed on from here so that a reader names one module of arenden; the
services (writes) stay in arenden.services."""

from datetime import date

from django.core.exceptions import ValidationError

from arenden import case_id as case_ids
from arenden import patient as patientlage  # the patient's own view of their cases (issue 18)
from arenden.models import OPPNA, Arende, ArendeHandelse, Avslutsorsak, Erbjudande, Fakturarad, Kalla, Status

__all__ = [
    "OPPNA",
    "Arende",
    "ArendeHandelse",
    "Avslutsorsak",
    "Erbjudande",
    "Fakturarad",
    "Kalla",
    "Status",
    "arenden_for_fordelning",
    "mottagande_vardgivare",
    "patientlage",
    "vantelista_lage",
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


def arenden_for_fordelning(*, user, uppdrag, kva_kod: str) -> list[dict]:
    """The commission's step-2 cases ("Hitta vårdgivare") of one KVÅ group without an open offer, oldest guarantee
    first, with what bulk matching needs and no identity: pk, case_id, region, guarantee date, ASA, anaesthesia,
    maximum distance, the referring unit's position, and the units the patient has declined before. Two queries."""
    qs = (
        Arende.objects.visible_to(user, uppdrag)
        .filter(status=Status.HITTA_VARDGIVARE, kva_id=(kva_kod or "").upper())
        .exclude(erbjudanden__status=Erbjudande.Status.LAMNAT)
        .order_by("vardgaranti_datum", "pk")
        .values(
            "pk", "case_id", "region_id", "vardgaranti_datum", "asa_klass", "narkos", "max_avstand",
            "remitterande_enhet__lat", "remitterande_enhet__lon",
        )
    )  # fmt: skip
    rader = list(qs)
    avbojda: dict[int, set[int]] = {}
    for arende_id, enhet_id in Erbjudande.objects.filter(
        arende_id__in=[r["pk"] for r in rader], status=Erbjudande.Status.AVBOJT
    ).values_list("arende_id", "vardenhet_id"):
        avbojda.setdefault(arende_id, set()).add(enhet_id)
    for r in rader:
        r["avbojda"] = frozenset(avbojda.get(r["pk"], ()))
    return rader


def vantelista_lage(region_kod: str) -> dict:
    """Issue 17's proactive figures of a region now: patients on its current waiting lists and how many of them have
    passed or are about to pass the care guarantee (arenden.vantelista.risk)."""
    from arenden.vantelista import risk

    risker = [r for r in risk.bedom(risk.rader_for_region(region_kod)) if r.tillstand != risk.LAMNAT]
    return {
        "pa_listor": len(risker),
        "i_risk": sum(r.tillstand in (risk.PASSERAT, risk.RISK) for r in risker),
    }
