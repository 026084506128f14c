"""The vectorised checker of register files: errors as boolean masks over rows, checks per distinct value.

Rule: the WHOLE file is checked before anything is written; every error names line and column (the kernel's
`Importfel`), and the file is rejected with every error found (at most MAX_FEL are listed).
"""

import numpy as np
import pandas as pd

from lagesbild.models import Kalla
from lagesbild.validering.kallor import KOLUMNER, MAX_HELTAL, MAX_VANTEDAGAR
from lagesbild.validering.lasning import FEL_TOM, MAX_FEL, Kolumn, Tabell, pa_fysiska
from vardformedling import format as fmt
from vardformedling.importering.fel import FilAvvisad
from vardformedling.importering.fel import Importfel as Fel
from vardformedling.indata import FEL_STYRTECKEN, styrtecken, utan_styrtecken

FEL_KOLUMN_SAKNAS = "kolumnen saknas i rubrikraden."

FEL_UNDER_5 = "{varde} är färre än 5 och ska skrivas <5 (röjandeskydd)."


def klamrar(text: str) -> str:
    """Literal text inside a message that `markera` formats with {varde}."""
    return text.replace("{", "{{").replace("}", "}}")


class Granskare:
    """Collects errors as boolean masks over the rows (vectorised), with the offending value in the message.

    Checks and parsing run per DISTINCT value of a column (see Kolumn) and only a failing check is spread back
    to the rows, so cost grows with the number of distinct values, not rows.
    """

    def __init__(self, tabell: Tabell):
        self.t = tabell
        self.fel: list[Fel] = []
        self.antal = 0

    def markera(self, mask, kolumn: str, meddelande: str) -> None:
        """`meddelande` may contain {varde}; it is filled per row with the cell's value. Rows are recorded as
        record numbers (header = 1); `resultat` turns them into physical lines."""
        rows = np.flatnonzero(mask)
        if not len(rows):
            return
        self.antal += len(rows)
        kol = self.t.kolumner.get(kolumn)
        for i in rows[:MAX_FEL]:
            # a control character in a quoted value would reach the stored run (JSON: no NUL) and terminals
            varde = utan_styrtecken(str(kol.varden[kol.koder[i]]).strip()) if kol is not None else ""
            self.fel.append(Fel(int(i) + 2, kolumn, meddelande.format(varde=varde[:40])))

    def markera_forsta(self, kolumn: str, meddelande: str) -> None:
        """An error about the file as a whole, shown on its first data row."""
        mask = np.zeros(self.t.rader, dtype=bool)
        mask[0] = True
        self.markera(mask, kolumn, meddelande)

    def markera_varden(self, fel_per_varde: np.ndarray, kolumn: str, meddelande: str) -> None:
        """As `markera`, for a mask over the column's distinct values."""
        if fel_per_varde.any():
            self.markera(self.t[kolumn].rader(fel_per_varde), kolumn, meddelande)

    def kontrollera_varden(self, kolumn: str, giltig, meddelande: str) -> Kolumn:
        """Checks each DISTINCT value once with `giltig(value) -> normalised or None`; returns the normalised
        column with every normalised value once (invalid values get code -1)."""
        normal = self.t[kolumn].per_varde(lambda v: giltig(v.strip()))
        self.markera_varden(np.array([n is None for n in normal.varden], dtype=bool), kolumn, meddelande)
        return normal.unik()

    def ifylld(self, kolumn: str) -> np.ndarray:
        """Per distinct value: is the cell non-empty?"""
        return np.array([v.strip() != "" for v in self.t[kolumn].varden], dtype=bool)

    def styrtecken(self, kolumn: str) -> None:
        """Control characters in a free-text column: a NUL stops PostgreSQL's write, the others have no place in a
        name. Other columns need no check: their values must be one of a set or match a pattern."""
        koder = [styrtecken(v.strip()) for v in self.t[kolumn].varden]
        for kod in dict.fromkeys(k for k in koder if k):
            self.markera_varden(np.array([k == kod for k in koder], dtype=bool), kolumn, FEL_STYRTECKEN.format(kod=kod))

    def for_langa(self, kolumn: str, langst: int) -> None:
        """Values longer than the database column holds."""
        langa = np.array([len(v.strip()) > langst for v in self.t[kolumn].varden], dtype=bool)
        self.markera_varden(langa, kolumn, f"värdet är längre än {langst} tecken ('{{varde}}…').")

    def tal(
        self,
        kolumn: str,
        *,
        heltal: bool,
        hogst: float,
        for_stort: str = "'{varde}' ligger utanför 0–100 (procent).",
        utom=frozenset(),
    ) -> Kolumn:
        """Parses numbers (decimal comma or point; an integer column takes 212,0 but not 212,5); empty → NaN.
        Text, negatives, fractions in an integer column and values above `hogst` are errors. Values in `utom`
        (e.g. `<5`) are treated as empty."""
        unika = self.t[kolumn].varden
        tom = np.zeros(len(unika), dtype=bool)
        varden = np.full(len(unika), np.nan)
        for i, v in enumerate(unika):
            text = v.strip()
            if text == "" or text in utom:
                tom[i] = True
            else:
                varden[i] = _tal(text.replace(",", "."))
        with np.errstate(invalid="ignore"):
            self.markera_varden(~tom & np.isnan(varden), kolumn, "'{varde}' är inte ett tal.")
            negativ = varden < 0
            self.markera_varden(negativ, kolumn, "'{varde}' är negativt; värdet får inte vara mindre än 0.")
            ej_heltal = heltal & np.isfinite(varden) & (np.mod(varden, 1) != 0)
            self.markera_varden(
                ej_heltal, kolumn, "'{varde}' ska vara ett heltal (decimaler bara om de är noll, t.ex. 212,0)."
            )
            for_stor = varden > hogst
            self.markera_varden(for_stor, kolumn, for_stort)
        varden[negativ | ej_heltal | for_stor] = np.nan  # already reported: no further check trips over them
        return Kolumn(self.t[kolumn].koder, varden)

    def under_fem(self, kolumn: str, antal: Kolumn) -> None:
        """Counts 1–4 written as numbers: the register must write `<5` (small-number suppression)."""
        with np.errstate(invalid="ignore"):
            fel = (antal.varden >= 1) & (antal.varden < 5) & (np.mod(antal.varden, 1) == 0)
        self.markera_varden(fel, kolumn, FEL_UNDER_5)

    def resultat(self) -> None:
        if self.fel:
            fel = sorted(self.fel, key=lambda f: (f.rad, f.kolumn))[:MAX_FEL]
            raise FilAvvisad(pa_fysiska(fel, self.t.path), self.antal)


FEL_FOR_STORT_ANTAL = f"'{{varde}}' är större än vad som kan lagras (högst {fmt.antal(MAX_HELTAL)})."
FEL_FOR_MANGA_DAGAR = f"'{{varde}}' dagar är orimligt; en väntetid kan vara högst {MAX_VANTEDAGAR} dagar (tio år)."


def _tal(text: str) -> float:
    """A plain decimal number (ASCII, optional sign/exponent, surrounding spaces) or NaN."""
    if not text.isascii() or "_" in text:
        return np.nan
    try:
        return float(text)
    except ValueError:
        return np.nan


def kontrollera_kolumner(tabell: Tabell, kalla: Kalla) -> None:
    saknas = [k for k in KOLUMNER[kalla] if k not in tabell]
    if saknas:
        raise FilAvvisad([Fel(1, k, FEL_KOLUMN_SAKNAS) for k in saknas])
    if not tabell.rader:
        raise FilAvvisad([Fel(1, "", FEL_TOM)])


def dubbletter(kolumner: list[Kolumn]) -> np.ndarray:
    """Rows whose (normalised) key repeats an earlier row: one int64 key from the per-column codes."""
    nyckel = np.zeros(len(kolumner[0]), dtype=np.int64)
    storlek = 1
    for kol in kolumner:
        bredd = len(kol.varden) + 1  # code -1 (an invalid value) becomes 0
        storlek *= bredd
        if storlek >= 2**62:  # absurd cardinality (a broken file): let pandas compare the codes instead
            return pd.DataFrame({i: k.koder for i, k in enumerate(kolumner)}).duplicated(keep="first").to_numpy()
        nyckel *= bredd
        nyckel += kol.koder
        nyckel += 1
    # A stable sort puts equal keys next to each other in file order: each but the first is a duplicate. Register
    # files come grouped by unit, so the keys are nearly sorted and the sort is close to one pass (a hash table
    # of millions of distinct keys took 3-4 times as long).
    ordning = np.argsort(nyckel, kind="stable")
    sorterad = nyckel[ordning]
    lika = np.zeros(len(nyckel), dtype=bool)
    np.equal(sorterad[1:], sorterad[:-1], out=lika[1:])
    dubblett = np.empty(len(nyckel), dtype=bool)
    dubblett[ordning] = lika
    return dubblett
