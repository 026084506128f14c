"""Table cells and tables of the follow-up page: one structure rendered as HTML and written as CSV/XLSX.

Primary suppression is decided when a cell is made: a patient count of 1–4 becomes "<5", and a figure derived
from fewer than 5 patients (a rate, a median, a mean, a sum of money) becomes "–". Secondary suppression
(`skydda`) then hides one more cell wherever a suppressed cell could be worked out from a published total (see
README, "Uppföljning"): such a cell shows "..". Both happen before rendering, so the page and every export
(CSV, XLSX, monthly reports) show the same thing.
"""

from dataclasses import dataclass, field, replace
from decimal import Decimal

from vardformedling import format as fmt

GRANS = 5
UNDERTRYCKT = "<5"
FOR_FA = "–"
SKYDDAD = ".."  # hidden so that a suppressed cell cannot be recovered from a total (secondary suppression)


@dataclass(frozen=True)
class Cell:
    varde: int | float | Decimal | str | None
    typ: str = "text"  # text | antal | procent | dagar | kr
    undertryckt: bool = False  # primary: fewer than 5 patients
    skyddad: bool = False  # secondary: hidden so that a suppressed cell in its group cannot be recovered

    @property
    def num(self) -> bool:
        return self.typ != "text"

    @property
    def text(self) -> str:
        """The value as shown on the page and written to exports (Swedish number format)."""
        if self.undertryckt:
            return UNDERTRYCKT if self.typ == "antal" else FOR_FA
        if self.skyddad:
            return SKYDDAD
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
        if self.varde is None and not self.dold:
            return ""
        return self.text

    @property
    def dold(self) -> bool:
        return self.undertryckt or self.skyddad

    @property
    def diagramvarde(self) -> float | None:
        if self.dold or self.varde is None or self.typ == "text":
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


def kr(v, underlag: int, undertryck: bool) -> Cell:
    """A sum of money over `underlag` cases: "–" when suppression is on and the count of cases is (1–4) – the sum
    of one invoice is that invoice."""
    return Cell(Decimal(v) if v is not None else None, "kr", undertryckt=undertryck and 0 < (underlag or 0) < GRANS)


def _skyddat(dolda: list[Cell]) -> bool:
    """The hidden cells of a group whose total is published cannot be recovered: none, or at least two that
    (for patient counts) hold at least GRANS together – their sum is what anyone can compute from the total."""
    if not dolda:
        return True
    if len(dolda) < 2:
        return False
    return any(c.typ != "antal" for c in dolda) or sum(int(c.varde or 0) for c in dolda) >= GRANS


def skydda(celler: list[Cell]) -> tuple[list[Cell], bool]:
    """Secondary suppression of one group of cells that add up to a published total (a table row and its sum, a
    column and the key figure it adds up to). While the group is not `_skyddat`, the smallest shown non-zero cell
    is hidden too ("..") – so the total minus the shown cells is the sum of at least two hidden cells, never one
    small cell. Returns the cells and whether the total itself must be hidden (no cell left to hide)."""
    celler = list(celler)
    while not _skyddat([c for c in celler if c.dold]):
        kandidater = [i for i, c in enumerate(celler) if not c.dold and c.varde]
        if not kandidater:
            return celler, True
        i = min(kandidater, key=lambda j: (celler[j].varde, j))
        celler[i] = replace(celler[i], skyddad=True)
    return celler, False


def skydda_kolumn(rader: list[list[Cell]], kolumn: int) -> bool:
    """`skydda` for column `kolumn` of the rows (in place); True when the column's total must be hidden."""
    celler, dolj_total = skydda([r[kolumn] for r in rader])
    for r, c in zip(rader, celler, strict=True):
        r[kolumn] = c
    return dolj_total


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
    totalt_rader: int | None = None  # the rows before `sidversion` cut them (None: all are here)

    @property
    def visade_rader(self) -> list[list[Cell]]:
        return self.rader[: self.max_rader] if self.max_rader else self.rader

    @property
    def antal_rader(self) -> int:
        return len(self.rader) if self.totalt_rader is None else self.totalt_rader

    @property
    def dolda_rader(self) -> int:
        return max(self.antal_rader - len(self.visade_rader), 0)

    def sidversion(self) -> "Tabell":
        """The table as the page shows it: the shown rows and the count of all. The page's cache keeps this, not the
        whole table: unpickling the provider and agreement tables' 600 rows of cells took a third of the page's
        time at seed_scale 1 (bench/profiler/uppfoljning.txt); the export computes the whole table itself."""
        return replace(self, rader=self.visade_rader, totalt_rader=self.antal_rader)

    @property
    def har_undertryckta(self) -> bool:
        return any(c.undertryckt for r in self.rader for c in r)

    @property
    def har_skyddade(self) -> bool:
        return any(c.skyddad for r in self.rader for c in r)

    @property
    def rubriker(self) -> list[tuple[str, bool]]:
        """The column headings, each with whether its column is numeric, so a heading is aligned like its cells
        (numbers right, text such as "Förklaring" left). The first column holds the row headings (text); another
        column is numeric when its shown cells are numbers."""
        return [
            (k, i > 0 and any(r[i].num for r in self.visade_rader if i < len(r))) for i, k in enumerate(self.kolumner)
        ]

    def kolumn(self, i: int) -> list[Cell]:
        return [r[i] for r in self.rader]
