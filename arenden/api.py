"""What other apps (uppfoljning, sok; later patient and the open API) read of brokering cases.

The case model and its statuses are handed on from here so that a reader names one module of arenden; the
services (writes) stay in arenden.services."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef

from arenden import case_id as case_ids
from arenden import patient as patientlage  # the patient's own view of their cases (issue 18)
from arenden.models import (
    OPPNA,
    Arende,
    ArendeHandelse,
    Avslutsorsak,
    Erbjudande,
    Fakturarad,
    Kalla,
    Meddelandetyp,
    Status,
    SvarsKanal,
)
from arenden.services.patientkanal import meddelanden_for
from katalog.models import Vardenhet
from vardformedling import referensdata

__all__ = [
    "OPPNA",
    "Arende",
    "ArendeHandelse",
    "Avslutsorsak",
    "Erbjudande",
    "Fakturarad",
    "Kalla",
    "Meddelandetyp",
    "Status",
    "SvarsKanal",
    "arenden_for_fordelning",
    "meddelanden_for",
    "mottagande_vardgivare",
    "patientlage",
    "prioritet",
    "sokuppgifter_for_arende",
    "vantelista_lage",
    "vardgaranti_for_arende",
    "version",
]


def version() -> str | None:
    """A version of the cases that changes on every write of a case (saves, deletes, bulk writes) and of a waiting
    list (None without a shared cache): what the follow-up figures are cached under. No database query; read once per
    request with the other versions (vardformedling.referensdata)."""
    return referensdata.version("arenden")


def mottagande_vardgivare() -> list[tuple[int, str]]:
    """(id, name) of every provider whose units have received cases, by name: per unit one probe of the cases'
    receiving-unit index (EXISTS) instead of a DISTINCT over every case joined with its unit and provider (127 ms of
    a 520 ms follow-up view at seed_scale 1; 23–29 ms this way)."""
    return list(
        Vardenhet.objects.filter(vardgivare__isnull=False)
        .filter(Exists(Arende.objects.filter(mottagande_enhet=OuterRef("pk"))))
        .values_list("vardgivare_id", "vardgivare__namn")
        .distinct()
        .order_by("vardgivare__namn", "vardgivare_id")
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


# SPOR's priority groups by the latest medically acceptable date, counted from the decision to treat (days).
PRIORITETSGRANSER = ((14, "inom_2v"), (28, "inom_4v"), (92, "inom_3m"), (183, "inom_6m"))


def prioritet(beslutsdatum: date, medicinskt_senast: date | None) -> str | None:
    """The case's priority as the register groups it ("inom_4v" …, "over_6m"); None without a medical date."""
    if medicinskt_senast is None:
        return None
    dagar = (medicinskt_senast - beslutsdatum).days
    return next((namn for grans, namn in PRIORITETSGRANSER if dagar <= grans), "over_6m")


def sokuppgifter_for_arende(*, case_id: str, user, uppdrag) -> tuple[date, str | None] | None:
    """(guarantee date, priority) of a case the commission may see, for the search; None as in
    `vardgaranti_for_arende`. One query; no patient data is read."""
    try:
        canonical = case_ids.normalise(case_id)
    except ValidationError:
        return None
    rad = (
        Arende.objects.visible_to(user, uppdrag)
        .filter(case_id=canonical)
        .values_list("vardgaranti_datum", "beslutsdatum", "medicinskt_senast")
        .first()
    )
    return (rad[0], prioritet(rad[1], rad[2])) if rad else None


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

    antal = dict(risk.patienter(region_kod).order_by().values_list("tillstand").annotate(n=Count("id")))
    return {
        "pa_listor": sum(n for t, n in antal.items() if t != risk.LAMNAT),
        "i_risk": antal.get(risk.PASSERAT, 0) + antal.get(risk.RISK, 0),
    }
