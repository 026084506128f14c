"""The one error type of every importer: which file, which line, which column, and what is wrong (in Swedish)."""

from dataclasses import dataclass

MAX_FEL = 2000  # errors kept per file: enough to fix a file, bounded for the page and the database


@dataclass(frozen=True)
class Importfel:
    """One problem in a file. `rad` is the physical line (header = 1), None for the file as a whole; `kolumn` is
    the column's name as the format spells it ("" when the problem is the line or the file)."""

    rad: int | None
    kolumn: str
    meddelande: str
    fil: str = ""

    @property
    def plats(self) -> str:
        if self.rad is None:
            return ""
        return f"rad {self.rad}, kolumn {self.kolumn}" if self.kolumn else f"rad {self.rad}"

    def text(self, filnamn: str | None = None) -> str:
        """ "[file ]rad N, kolumn X: message" – the form every importer shows, stores and prints."""
        fil = self.fil if filnamn is None else filnamn
        plats = " ".join(x for x in (fil, self.plats) if x)
        return f"{plats}: {self.meddelande}" if plats else self.meddelande

    def as_dict(self) -> dict:
        return {"rad": self.rad, "kolumn": self.kolumn, "meddelande": self.meddelande}


class FilAvvisad(Exception):
    """The file is rejected as a whole; nothing was written. `fel` lists the errors found (at most MAX_FEL are kept),
    `antal` how many there were in all."""

    def __init__(self, fel: list[Importfel], antal: int | None = None):
        super().__init__(f"{len(fel)} fel")
        self.fel = fel
        self.antal = antal if antal is not None else len(fel)

    @property
    def texter(self) -> list[str]:
        return texter(self.fel, self.antal)


def texter(fel: list[Importfel], antal: int | None = None) -> list[str]:
    """The errors as lines to show or store, capped at MAX_FEL with a closing "… och N fel till."."""
    antal = len(fel) if antal is None else antal
    rader = [f.text() for f in fel[:MAX_FEL]]
    if antal > len(rader):
        rader.append(f"… och {antal - len(rader)} fel till.")
    return rader
