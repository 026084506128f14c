"""Table cells and tables of the follow-up page: one structure rendered as HTML and written as CSV/XLSX.

Suppression is decided when a cell is made: a patient count of 1–4 becomes "<5", and a figure derived from
fewer than 5 patients (a rate, a median) becomes "–", so the page and every export show the same thing.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from vardformedling import format as fmt

GRANS = 5
UNDERTRYCKT = "<5"
FOR_FA = "–"


@dataclass(frozen=True)
class Cell:
    varde: object  # int, float, Decimal, str or None
    typ: str = "text"  # text | antal | procent | dagar | kr
    undertryckt: bool = False

    @property
    def num(self) -> bool:
        return self.typ != "text"

    @property
    def text(self) -> str:
        """The value as shown on the page and written to exports (Swedish number format)."""
        if self.undertryckt:
            return UNDERTRYCKT if self.typ == "antal" else FOR_FA
        v = self.varde
        if v is None:
            return "–"
        if self.typ == "procent":
            return fmt.procent(v)
        if self.typ == "dagar":
            return fmt.tal(v, 0 if float(v) == int(v) else 1)
        if self.typ == "kr":
            return fmt.kr(round(Decimal(v)))
        if self.typ == "antal":
            return fmt.antal(v)
        return str(v)

    @property
    def export(self) -> object:
        """The value as the page shows it (vardformedling/format.py: "67 %", "12 900 kr"), so a share keeps its
        unit in the file; empty for nothing, suppressed cells as their marker text."""
        if self.varde is None and not self.undertryckt:
            return ""
        return self.text

    @property
    def diagramvarde(self) -> float | None:
        if self.undertryckt or self.varde is None or self.typ == "text":
            return None
        return float(self.varde)


def text(v) -> Cell:
    return Cell(v, "text")


def antal(n: int | None, undertryck: bool) -> Cell:
    n = n or 0
    return Cell(n, "antal", undertryckt=undertryck and 0 < n < GRANS)


def procent(taljare: int, namnare: int, undertryck: bool) -> Cell:
    """Whole percent; none without a denominator; "–" when suppression is on and fewer than 5 patients."""
    if not namnare:
        return Cell(None, "procent")
    return Cell(round(100 * taljare / namnare), "procent", undertryckt=undertryck and namnare < GRANS)


def dagar(v: float | None, underlag: int, undertryck: bool) -> Cell:
    if v is None:
        return Cell(None, "dagar")
    return Cell(round(float(v), 1), "dagar", undertryckt=undertryck and underlag < GRANS)


def kr(v) -> Cell:
    return Cell(Decimal(v) if v is not None else None, "kr")


@dataclass
class Tabell:
    nyckel: str  # export name (?export=<nyckel>)
    rubrik: str
    kolumner: list[str]
    rader: list[list[Cell]] = field(default_factory=list)
    forklaring: str = ""
    diagram: object = None  # SVG (SafeString) drawn beside the table
    undertryckt: bool = False  # suppression was applied to this table
    max_rader: int | None = None  # the page shows at most this many rows (largest first); exports show all

    @property
    def visade_rader(self) -> list[list[Cell]]:
        return self.rader[: self.max_rader] if self.max_rader else self.rader

    @property
    def dolda_rader(self) -> int:
        return max(len(self.rader) - len(self.visade_rader), 0)

    @property
    def har_undertryckta(self) -> bool:
        return any(c.undertryckt for r in self.rader for c in r)

    def kolumn(self, i: int) -> list[Cell]:
        return [r[i] for r in self.rader]
