"""Reading a catalogue or agreement file (CSV or XLSX) by the format rules every importer shares.

CSV: `;` between fields, UTF-8 with or without a BOM, `"` around values that hold `;`, quotes or line breaks.
XLSX: the first sheet, header in row 1. Column names are case-insensitive and stripped, their order is free, unknown
columns are ignored, a required one missing is an error naming it. Every value comes back as a stripped string
("" for an empty cell); a line of empty fields is skipped. Each record keeps the physical line it starts on, so an
error names the line an editor shows, even after a value that spans lines. Call `vakt.kontrollera` first."""

import csv
import io
import logging
from dataclasses import dataclass
from datetime import date, datetime

from vardformedling.importering import vakt
from vardformedling.importering.fel import FilAvvisad, Importfel

logger = logging.getLogger(__name__)

FEL_KOLUMN_SAKNAS = "obligatorisk kolumn saknas i rubrikraden."
FEL_KOLUMN_DUBBEL = "kolumnen finns flera gånger i rubrikraden; ta bort den extra kolumnen."
FEL_FALTANTAL = (
    "raden har {faktiskt} fält men rubrikraden har {vantat}. Fälten ska skiljas med semikolon, och ett "
    "citattecken måste stängas på samma rad."
)
FEL_CSV_OLASBAR = (
    "filen kunde inte läsas som CSV. Kontrollera att den har semikolon som avgränsare, en rubrikrad och lika "
    "många fält på varje rad (citattecken måste stängas)."
)
FEL_XLSX_OLASBAR = "Excel-filen kunde inte läsas: den är skadad eller innehåller ingen arbetsbok i XLSX-format."
FEL_INGA_RADER = "Filen innehåller inga datarader (bara rubrikraden)."
MAX_FALTLANGD = 100_000  # characters in one CSV field; a longer one is a broken file (an unclosed quote)


def rubriknamn(namn) -> str:
    """A header cell as the importers compare it: stripped, lower case, without a BOM."""
    return str(namn if namn is not None else "").replace("\ufeff", "").strip().lower()


@dataclass
class Post:
    """One record of the file: the physical line it starts on and its known columns' values (stripped text)."""

    rad: int
    varden: dict[str, str]

    def __getitem__(self, kolumn: str) -> str:
        return self.varden[kolumn]


@dataclass
class Tabell:
    kolumner: list[str]  # the known columns the header has, in the format's order
    poster: list[Post]

    def __len__(self) -> int:
        return len(self.poster)


def las(data: bytes, typ: str, *, kravda: list[str], valfria: list[str]) -> Tabell:
    """The file's records with every column of `kravda + valfria` (an optional one missing reads as ""); raises
    FilAvvisad naming every required column that is missing, every line with the wrong number of fields, or the
    file when it cannot be parsed."""
    rader = _xlsx_rader(data) if typ == vakt.XLSX else _csv_rader(data)
    try:
        rubrik_rad, rubrik = next(rader)
    except StopIteration:
        raise FilAvvisad([Importfel(None, "", FEL_INGA_RADER)]) from None
    normal = [rubriknamn(n) for n in rubrik]
    kanda = set(kravda) | set(valfria)
    dubbla = sorted({n for n in normal if n in kanda and normal.count(n) > 1})
    saknas = [k for k in kravda if k not in normal]
    if dubbla or saknas:
        raise FilAvvisad(
            [Importfel(rubrik_rad, k, FEL_KOLUMN_DUBBEL) for k in dubbla]
            + [Importfel(rubrik_rad, k, FEL_KOLUMN_SAKNAS) for k in saknas]
        )
    index = {n: i for i, n in enumerate(normal) if n in kanda}
    kolumner = [k for k in (*kravda, *valfria) if k in index]
    poster: list[Post] = []
    fel: list[Importfel] = []
    for rad, falt in rader:
        if not any(f.strip() for f in falt):
            continue  # an empty line, or one of separators only
        if typ == vakt.CSV and len(falt) != len(rubrik):
            fel.append(Importfel(rad, "", FEL_FALTANTAL.format(faktiskt=len(falt), vantat=len(rubrik))))
            continue
        varden = dict.fromkeys((*kravda, *valfria), "")
        for k in kolumner:
            i = index[k]
            varden[k] = falt[i].strip() if i < len(falt) else ""
        poster.append(Post(rad, varden))
    if fel:
        raise FilAvvisad(fel)
    if not poster:
        raise FilAvvisad([Importfel(None, "", FEL_INGA_RADER)])
    return Tabell(kolumner, poster)


def _csv_rader(data: bytes):
    """(physical line, fields) per record; the header first."""
    text = data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"', strict=True)
    slut = 0
    try:
        for falt in reader:
            if falt:
                yield slut + 1, falt
            slut = reader.line_num
    except csv.Error as exc:
        logger.info("CSV-fil kunde inte tolkas efter rad %s: %s", slut, exc)
        raise FilAvvisad([Importfel(slut + 1, "", FEL_CSV_OLASBAR)]) from None


def _cell(v) -> str:
    """An XLSX cell as the text a CSV export would hold: whole numbers without ".0", dates as ÅÅÅÅ-MM-DD."""
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, bool):
        return "ja" if v else "nej"
    return str(v)


def _xlsx_rader(data: bytes):
    """(sheet row, cells as text) per row of the first sheet, read in openpyxl's streaming mode."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl, zipfile and the XML parser raise many kinds; the user needs one message
        logger.info("XLSX-fil kunde inte öppnas: %r", exc)
        raise FilAvvisad([Importfel(None, "", FEL_XLSX_OLASBAR)]) from None
    try:
        ark = wb.worksheets[0]
        for nr, rad in enumerate(ark.iter_rows(values_only=True), start=1):
            yield nr, [_cell(v) for v in rad]
    except FilAvvisad:
        raise
    except Exception as exc:
        logger.info("XLSX-fil kunde inte läsas: %r", exc)
        raise FilAvvisad([Importfel(None, "", FEL_XLSX_OLASBAR)]) from None
    finally:
        wb.close()
