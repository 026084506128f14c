"""Settlement per region and month (issue #19 point 4): the invoice lines one region pays (as the cases' home region)
or one receiving unit has invoiced, with totals; the page and the CSV/XLSX export read the same rows and cells."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F

from arenden.models import Fakturarad
from vardformedling import format as fmt

KOLUMNER = ["Ärende-id", "Avtal", "Vårdgivare", "Datum", "Typ", "Avser", "Belopp", "Avtalat pris", "Avvikelse",
            "Status"]  # fmt: skip
_TYP = dict(Fakturarad.Typ.choices)
_STATUS = dict(Fakturarad.Beslut.choices)


def manad_intervall(manad: date) -> tuple[date, date]:
    slut = date(manad.year + (manad.month == 12), manad.month % 12 + 1, 1)
    return manad, slut


def rader(*, manad: date, region_kod: str | None = None, vardenhet_id: int | None = None) -> list[dict]:
    """The month's invoice lines of the cases of `region_kod` (paying) or of the unit `vardenhet_id` (invoicing);
    one query, values only."""
    fran, till = manad_intervall(manad)
    qs = Fakturarad.objects.filter(datum__gte=fran, datum__lt=till)
    if region_kod is not None:
        qs = qs.filter(arende__region_id=region_kod)
    if vardenhet_id is not None:
        qs = qs.filter(vardenhet_id=vardenhet_id)
    return list(
        qs.order_by("arende__case_id", "datum", "id").values(
            "id", "datum", "typ", "avser", "belopp", "avtalat_pris", "avvikelse", "avvikelse_text", "status",
            "motivering", case_id=F("arende__case_id"), avtal=F("avtalsrad__avtal__avtal_id"),
            vardgivare=F("avtalsrad__avtal__vardgivare__namn"), enhet=F("vardenhet__namn"),
        )
    )  # fmt: skip


def celler(r: dict) -> list[str]:
    """One export row, as the page shows it (vardformedling.format)."""
    return [
        r["case_id"],
        r["avtal"] or "Inget avtal",
        r["vardgivare"] or r["enhet"] or "",
        fmt.datum(r["datum"]),
        _TYP[r["typ"]],
        r["avser"],
        fmt.kr(r["belopp"]),
        fmt.kr(r["avtalat_pris"]) if r["avtalat_pris"] is not None else "–",
        fmt.kr(r["avvikelse"]) if r["avvikelse"] is not None else (r["avvikelse_text"] or "–"),
        _STATUS[r["status"]],
    ]


@dataclass
class Summor:
    antal: int
    vard: Decimal
    resa: Decimal
    totalt: Decimal
    avvikelse: Decimal
    antal_avvikelser: int
    godkant: Decimal
    att_attestera: Decimal
    bestritt: Decimal


def summor(rader: list[dict]) -> Summor:
    def s(urval) -> Decimal:
        return sum((r["belopp"] for r in urval), Decimal(0))

    return Summor(
        antal=len(rader),
        vard=s(r for r in rader if r["typ"] == Fakturarad.Typ.VARD),
        resa=s(r for r in rader if r["typ"] == Fakturarad.Typ.RESA),
        totalt=s(rader),
        avvikelse=sum((r["avvikelse"] or Decimal(0) for r in rader), Decimal(0)),
        antal_avvikelser=sum(1 for r in rader if r["avvikelse"] or r["avvikelse_text"]),
        godkant=s(r for r in rader if r["status"] == Fakturarad.Beslut.GODKAND),
        att_attestera=s(r for r in rader if r["status"] == Fakturarad.Beslut.ATT_ATTESTERA),
        bestritt=s(r for r in rader if r["status"] == Fakturarad.Beslut.BESTRIDD),
    )
