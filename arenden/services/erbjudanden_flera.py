"""Bulk offers (issue 17, point 4): send many offers in one go, each reserving its agreement volume atomically.

Each row is its own transaction: the offer (`erbjudande_lamna`, the one offer rule) and one unit of the line's
volume (`avtal.services.volym_reservera`, which locks the line and refuses when the cap is reached; acceptance
later finds the same reservation). A row that can no longer be honoured – another region took the last unit, the
case moved on – is reported with why, and the other rows go through. A declined or withdrawn bulk offer releases
its reservation (arenden.services.erbjudanden)."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from arenden.models import Arende, Erbjudande
from arenden.services._common import volym_reservera
from arenden.services.erbjudanden import erbjudande_lamna
from avtal.models import Avtalsrad
from katalog.models import Vardenhet

ENHET_ELLER_RAD_SAKNAS = (
    "Enheten eller avtalsraden finns inte längre (katalogen eller avtalen har ändrats). Föreslå fördelningen igen."
)
MOTIVERING_SISTA_UTVAG = (
    "Föreslagen av fördelningen som sista utväg: ingen enhet med volym kvar kan ge vården inom vårdgarantin."
)


@dataclass(frozen=True)
class Erbjudanderad:
    arende_pk: int
    vardenhet_id: int
    avtalsrad_id: int | None
    forvantat_datum: date | None


@dataclass
class Utfall:
    rad: Erbjudanderad
    case_id: str
    erbjudande: Erbjudande | None = None
    fel: str = ""


def erbjudanden_skicka(*, rader: list[Erbjudanderad], anvandare, uppdrag) -> list[Utfall]:
    """Creates every offer it can; returns one outcome per row (an error message where it could not)."""
    arenden = Arende.objects.in_bulk([r.arende_pk for r in rader])
    enheter = Vardenhet.objects.in_bulk([r.vardenhet_id for r in rader])
    linjer = Avtalsrad.objects.in_bulk([r.avtalsrad_id for r in rader if r.avtalsrad_id])
    utfall = []
    for r in rader:
        arende = arenden.get(r.arende_pk)
        u = Utfall(r, arende.case_id if arende else "")
        utfall.append(u)
        if arende is None or arende.region_id != getattr(uppdrag, "region_id", None):
            u.fel = "Ärendet finns inte i din region."
            continue
        # A unit or line gone since the proposal (or never there: the ids come from the form) is this row's error,
        # not a KeyError that answered 500 after the rows before it were sent.
        vardenhet, linje = enheter.get(r.vardenhet_id), linjer.get(r.avtalsrad_id) if r.avtalsrad_id else None
        if vardenhet is None or (r.avtalsrad_id and linje is None):
            u.fel = ENHET_ELLER_RAD_SAKNAS
            continue
        try:
            with transaction.atomic():
                efter = r.forvantat_datum is not None and r.forvantat_datum > arende.vardgaranti_datum
                u.erbjudande = erbjudande_lamna(
                    arende=arende, anvandare=anvandare, uppdrag=uppdrag, vardenhet=vardenhet,
                    avtalsrad=linje, forvantat_datum=r.forvantat_datum,
                    efter_vardgaranti_motivering=MOTIVERING_SISTA_UTVAG if efter else "",
                )  # fmt: skip
                if linje is not None:
                    volym_reservera(rad=linje, referens=arende.case_id, region=arende.region, anvandare=anvandare)
        except ValidationError as exc:
            u.erbjudande = None
            u.fel = " ".join(exc.messages)
    return utfall
