"""Settlement per region and month (issue #19 point 4): the invoice lines one region pays (as the cases' home region)
or one receiving unit has invoiced, with totals; the page and the CSV/XLSX export read the same rows and cells."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import cast

from django.db.models import F
from django.utils.safestring import SafeString, mark_safe

from arenden.models import Fakturarad
from vardformedling import format as fmt

KOLUMNER = ["Ärende-id", "Avtal", "Vårdgivare", "Datum", "Typ", "Avser", "Belopp", "Avtalat pris", "Avvikelse",
            "Status"]  # fmt: skip
_TYP = dict(Fakturarad.Typ.choices)
# The one formatting rule, remembered per amount: a month's lines repeat the same few prices thousands of times.
_kr = lru_cache(maxsize=8192)(fmt.kr)
_datum = lru_cache(maxsize=1024)(fmt.datum)
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
    rows = qs.order_by("arende__case_id", "datum", "id").values(
        "id", "datum", "typ", "avser", "belopp", "avtalat_pris", "avvikelse", "avvikelse_text", "status",
        "motivering", case_id=F("arende__case_id"), avtal=F("avtalsrad__avtal__avtal_id"),
        vardgivare=F("avtalsrad__avtal__vardgivare__namn"), enhet=F("vardenhet__namn"),
    )  # fmt: skip
    # Plain dicts at run time (the settlement page adds "celler" to them); the stubs type the rows as a TypedDict.
    return cast(list[dict], list(rows))


def celler(r: dict) -> list[str]:
    """One export row, as the page shows it (vardformedling.format)."""
    return [
        r["case_id"],
        r["avtal"] or "Inget avtal",
        r["vardgivare"] or r["enhet"] or "",
        _datum(r["datum"]),
        _TYP[r["typ"]],
        r["avser"],
        _kr(r["belopp"]),
        _kr(r["avtalat_pris"]) if r["avtalat_pris"] is not None else "–",
        _kr(r["avvikelse"]) if r["avvikelse"] is not None else (r["avvikelse_text"] or "–"),
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


def rader_html(rader: list[dict], *, kan_attestera: bool, csrf: str, nasta: str) -> SafeString:
    """The settlement table's `<tr>`s built in Python: 2,000 lines through the template engine took seconds. Each
    line carries its export cells (`celler`), so the page and the export show the same text."""
    from html import escape  # the standard library's: Django's lazy-aware wrapper cost ~1 µs × 20,000 cells

    from django.urls import reverse

    # One reverse() for the page, the case ID put in after (a reverse() per line was most of the page's time).
    mall = reverse("arenden:faktura_beslut", args=["CASEID"])
    ut = []
    token, tillbaka = escape(csrf), escape(nasta)
    for r in rader:
        klass = ' class="avviker"' if r["avvikelse"] or r["avvikelse_text"] else ""
        celler = "".join(f"<td>{escape(c)}</td>" for c in r["celler"])
        beslut = ""
        if kan_attestera:
            if r["status"] == Fakturarad.Beslut.ATT_ATTESTERA:
                url = escape(mall.replace("CASEID", r["case_id"]))
                i = r["id"]
                beslut = (
                    f'<td><form method="post" action="{url}"><input type="hidden" name="csrfmiddlewaretoken" '
                    f'value="{token}"><input type="hidden" name="rad" value="{i}"><input type="hidden" name="next" '
                    f'value="{tillbaka}"><label for="m-{i}" class="visually-hidden">Motivering</label><input '
                    f'type="text" id="m-{i}" name="motivering" maxlength="500" placeholder="Motivering"><button '
                    f'type="submit" name="beslut" value="godkann" class="btn btn--small">Godkänn</button> <button '
                    f'type="submit" name="beslut" value="bestrid" class="btn btn--small btn--ghost">Bestrid</button>'
                    "</form></td>"
                )
            else:
                beslut = "<td>–</td>"
        ut.append(f"<tr{klass}>{celler}{beslut}</tr>\n")
    return mark_safe("".join(ut))  # noqa: S308 – every value above is escaped
