"""Per-column checks that collect every error of a file instead of stopping at the first.

`Granskning` holds the errors of one file; `granskning.rad(post)` gives the checks for one record, each returning
the parsed value (or None/"" when the cell is empty or wrong) and recording an `Importfel` for the line and column
when it is wrong. An app's importer calls these for its columns and adds its own rules with `rad.fel(...)`;
`granskning.resultat()` raises FilAvvisad with everything found, sorted by line."""

import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from vardformedling.importering.fel import MAX_FEL, FilAvvisad, Importfel
from vardformedling.importering.lasning import Post
from vardformedling.indata import citera, fel_styrtecken, utan_styrtecken

FEL_VARDE_SAKNAS = "värde saknas."
FEL_FOR_LANGT = "värdet är för långt (högst {max} tecken)."
FEL_DATUM = "”{varde}” är inte ett datum (ÅÅÅÅ-MM-DD)."
FEL_TAL = "”{varde}” är inget tal."
FEL_HELTAL = "”{varde}” ska vara ett heltal mellan {minst} och {hogst}."
FEL_VAL = "”{varde}” är inget tillåtet värde; använd {tillatna}."


def citat(varde: str) -> str:
    """A cell's value as a message quotes it: at most 60 characters, control characters made visible."""
    return citera(utan_styrtecken(varde), 60)


class Granskning:
    """The errors of one file, with every column check for its records."""

    def __init__(self, fil: str = ""):
        self.fil = fil
        self.fel: list[Importfel] = []

    def lagg_till(self, rad: int | None, kolumn: str, meddelande: str) -> None:
        self.fel.append(Importfel(rad, kolumn, utan_styrtecken(meddelande), self.fil))

    def rad(self, post: Post) -> "Rad":
        return Rad(self, post)

    def resultat(self) -> None:
        """Raise FilAvvisad with every error, in line order (a file-level error first)."""
        if self.fel:
            fel = sorted(self.fel, key=lambda f: f.rad or 0)  # stable: a line's errors keep the column order
            raise FilAvvisad(fel[:MAX_FEL], len(fel))


class Rad:
    """The checks for one record. Each records its error against this line and the column it checks."""

    def __init__(self, granskning: Granskning, post: Post):
        self.g = granskning
        self.post = post
        self.nr = post.rad
        self.antal_fel = 0

    @property
    def ok(self) -> bool:
        return self.antal_fel == 0

    def fel(self, kolumn: str, meddelande: str, **varden) -> None:
        """An error in `kolumn`; `meddelande` may name {varde} (the cell, quoted) and any of `varden`."""
        self.antal_fel += 1
        self.g.lagg_till(self.nr, kolumn, meddelande.format(varde=citat(self.post[kolumn]), **varden))

    def text(
        self, kolumn: str, *, kravd: bool = False, max_langd: int | None = None, fritext: bool = False,
        radbrytning: bool = False,
    ) -> str:  # fmt: skip
        """The cell as text: required, at most `max_langd` characters, and (free text) no control characters
        (`radbrytning` allows line breaks, as in an agreement's terms)."""
        varde = self.post[kolumn]
        if kravd and not varde:
            self.fel(kolumn, FEL_VARDE_SAKNAS)
        if max_langd is not None and len(varde) > max_langd:
            self.fel(kolumn, FEL_FOR_LANGT, max=max_langd)
        if fritext and (meddelande := fel_styrtecken(varde, radbrytning=radbrytning)):
            self.fel(kolumn, meddelande)
        return varde

    def monster(
        self, kolumn: str, monster: re.Pattern, meddelande: str, *, kravd: bool = False,
        normalisera: Callable[[str], str] = str.upper,
    ) -> str:  # fmt: skip
        """A value that must match `monster` after `normalisera` (upper case by default); "" when empty."""
        varde = normalisera(self.text(kolumn, kravd=kravd))
        if varde and not monster.fullmatch(varde):
            self.fel(kolumn, meddelande)
            return ""
        return varde

    def val(
        self, kolumn: str, tillatna: Iterable[str], meddelande: str = FEL_VAL, *, kravd: bool = False,
        normalisera: Callable[[str], str] = str.lower,
    ) -> str:  # fmt: skip
        """One of `tillatna` after `normalisera` (lower case by default); "" when empty or not allowed."""
        tillatna = list(tillatna)
        varde = normalisera(self.text(kolumn, kravd=kravd))
        if varde and varde not in tillatna:
            self.fel(kolumn, meddelande, tillatna=", ".join(tillatna))
            return ""
        return varde

    def datum(self, kolumn: str, *, kravd: bool = False) -> date | None:
        """ÅÅÅÅ-MM-DD (an XLSX date cell reads the same)."""
        varde = self.text(kolumn, kravd=kravd)
        if not varde:
            return None
        try:
            if len(varde) != 10:
                raise ValueError(varde)
            return date.fromisoformat(varde)
        except ValueError:
            self.fel(kolumn, FEL_DATUM)
            return None

    def decimal(self, kolumn: str, meddelande: str = FEL_TAL, *, kravd: bool = False) -> Decimal | None:
        """A decimal number, comma or point, spaces between thousands allowed; None when empty or wrong."""
        varde = self.text(kolumn, kravd=kravd)
        if not varde:
            return None
        try:
            tal = Decimal(varde.replace("\u00a0", "").replace(" ", "").replace(",", "."))
            if not tal.is_finite():
                raise InvalidOperation
            return tal
        except InvalidOperation:
            self.fel(kolumn, meddelande)
            return None

    def heltal(self, kolumn: str, *, minst: int, hogst: int, meddelande: str = FEL_HELTAL, kravd: bool = False):
        """A whole number in [minst, hogst] ("12" or "12,0"); None when empty or wrong."""
        varde = self.text(kolumn, kravd=kravd)
        if not varde:
            return None
        try:
            tal = Decimal(varde.replace("\u00a0", "").replace(" ", "").replace(",", "."))
            if not tal.is_finite() or tal != tal.to_integral_value() or not minst <= tal <= hogst:
                raise InvalidOperation
            return int(tal)
        except InvalidOperation:
            self.fel(kolumn, meddelande, minst=minst, hogst=hogst)
            return None
