"""One formatting rule for numbers, money, percentages, dates and plural forms on every page, export and letter.

The rule (README "Siffror och datum"):
- Whole numbers with a non-breaking space between thousands: "12 900", "1 234". Decimals with a comma: "1,5".
- Money in whole kronor with " kr": "12 900 kr"; öre only when there are any: "12 900,50 kr".
- Percentages with a non-breaking space before "%": "67 %", "21,9 %" (one decimal only where the source has it).
- Dates as ISO 2026-12-07 in tables, lists, forms, history and exports (sortable, unambiguous); in running text
  to patients (letters) as "7 december 2026". Times as "2026-12-07 14:05" in local time.
- A count with its noun agrees in number: "1 nytt avtal", "3 nya avtal" (`antal_ord`).
Every space inside a formatted value is U+00A0, so a value never wraps between number and unit.
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

NBSP = "\u00a0"
MANADER = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


def _decimal(varde) -> Decimal | None:
    if varde is None or varde == "":
        return None
    if isinstance(varde, Decimal):
        return varde
    try:
        return Decimal(repr(varde)) if isinstance(varde, float) else Decimal(str(varde))
    except (InvalidOperation, ValueError):
        return None


def tal(varde, decimaler: int = 0) -> str:
    """A number rounded half up to `decimaler` places: "12 900", "1 234,5", "0". None (or not a number) → ""."""
    d = _decimal(varde)
    if d is None:
        return "" if varde is None else str(varde)
    d = d.quantize(Decimal(1).scaleb(-decimaler), ROUND_HALF_UP)
    if not d:
        d = abs(d)  # never "-0"
    heltal, _, decimal = f"{d:f}".partition(".")
    tecken = "-" if heltal.startswith("-") else ""
    heltal = tecken + f"{int(heltal.lstrip('-')):,}".replace(",", NBSP)
    return heltal + ("," + decimal if decimal else "")


def antal(varde) -> str:
    """A count: "1 234"."""
    return tal(varde, 0)


def kr(varde) -> str:
    """Money: "12 900 kr"; with öre only when there are any ("12 900,50 kr")."""
    d = _decimal(varde)
    if d is None:
        return ""
    decimaler = 0 if d == d.to_integral_value() else 2
    return f"{tal(d, decimaler)}{NBSP}kr"


def procent(varde, decimaler: int = 0) -> str:
    """A percentage given in percent (0–100): "67 %", "21,9 %"."""
    if _decimal(varde) is None:
        return ""
    return f"{tal(varde, decimaler)}{NBSP}%"


def andel(taljare, namnare, decimaler: int = 0) -> str:
    """`taljare` of `namnare` as a percentage ("67 %"); "" without a denominator."""
    if not namnare:
        return ""
    return procent(Decimal(taljare) * 100 / Decimal(namnare), decimaler)


def plural(n, en: str, flera: str) -> str:
    """The noun form for `n`: plural("dag", "dagar") → "dag" for 1 (and -1), otherwise "dagar"."""
    d = _decimal(n)
    return en if d is not None and abs(d) == 1 else flera


def antal_ord(n, en: str, flera: str) -> str:
    """A count with its noun: "1 nytt avtal", "3 nya avtal", "0 ärenden"."""
    return f"{antal(n)} {plural(n, en, flera)}"


def dagar(n) -> str:
    """A number of days: "1 dag", "45 dagar", "12,5 dagar"."""
    d = _decimal(n)
    if d is None:
        return ""
    decimaler = 0 if d == d.to_integral_value() else 1
    return f"{tal(d, decimaler)}{NBSP}{plural(d, 'dag', 'dagar')}"


def _som_datum(varde) -> date | None:
    if isinstance(varde, datetime):
        return timezone.localtime(varde).date() if timezone.is_aware(varde) else varde.date()
    return varde if isinstance(varde, date) else None


def datum(varde) -> str:
    """ISO date for tables, forms, history and exports: "2026-12-07"."""
    d = _som_datum(varde)
    return d.isoformat() if d else ""


def vecka(varde) -> str:
    """An ISO week for tables, forms and exports: "2026-V50" (the week holding the date)."""
    d = _som_datum(varde)
    if not d:
        return ""
    ar, nr, _ = d.isocalendar()
    return f"{ar}-V{nr:02d}"


def datum_lang(varde) -> str:
    """A date in running text (letters): "7 december 2026"."""
    d = _som_datum(varde)
    return f"{d.day} {MANADER[d.month - 1]} {d.year}" if d else ""


def tidpunkt(varde, *, sekunder: bool = False) -> str:
    """A point in time in local time: "2026-12-07 14:05" (with seconds for the access log)."""
    if not isinstance(varde, datetime):
        return datum(varde)
    t = timezone.localtime(varde) if timezone.is_aware(varde) else varde
    return f"{t:%Y-%m-%d %H:%M:%S}" if sekunder else f"{t:%Y-%m-%d %H:%M}"
