"""Reading a register file (CSV only) with pyarrow, dictionary-encoded, with errors that name physical lines.

Register files are low-cardinality (units, KVÅ groups, periods, small counts) and national deliveries have
millions of rows, so the reader (pyarrow's CSV parser, the engine behind pandas' `engine="pyarrow"`)
dictionary-encodes every column while parsing: a column is a `Kolumn` of per-row codes into its distinct
values. Checks and parsing then run once per distinct value and are spread back to the rows with the codes;
the importer writes from the same codes (bulk.py), so no per-row Python object is ever made.

Line numbers are the file's physical lines with the header as line 1. The checks count records (the first data
record is record 2); only when there are errors to report is the file scanned once more to turn record numbers into
lines (blank lines and quoted values spanning lines make them differ), so a clean file never pays for it. The
format rules and messages shared with the other importers come from the kernel (vardformedling.importering).
"""

import csv
import io
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from lagesbild.validering.kallor import KANDA_KOLUMNER
from vardformedling.importering import vakt
from vardformedling.importering.fel import FilAvvisad
from vardformedling.importering.fel import Importfel as Fel
from vardformedling.importering.lasning import FEL_CSV_OLASBAR as FEL_EJ_CSV
from vardformedling.importering.lasning import FEL_FALTANTAL, FEL_KOLUMN_DUBBEL, rubriknamn
from vardformedling.personnummer import maskera_i_text

logger = logging.getLogger(__name__)

MAX_FEL = 200
BOM = b"\xef\xbb\xbf"
MAX_RUBRIK = 1 << 20  # a header line longer than 1 MB is not a register file

FEL_TOM = "filen innehåller inga datarader."

FEL_KODNING = "filen är inte UTF-8-kodad text (spara den som CSV UTF-8)."

FEL_KODNING_VARDE = "värdet innehåller tecken som inte är UTF-8; filen ska vara UTF-8-kodad (spara den som CSV UTF-8)."

FEL_ZIP = (
    "filen är en Excel-arbetsbok eller zip-fil, inte CSV. Registrens leveranser ska vara CSV: öppna filen i Excel "
    "och spara den som ”CSV UTF-8” med semikolon som avgränsare."
)


@dataclass
class Kolumn:
    """A column as codes into its distinct values: row i holds `varden[koder[i]]`; code -1 is a missing value.

    `varden` may repeat a value (two spellings normalised alike); `unik()` merges them when rows are compared."""

    koder: np.ndarray
    varden: np.ndarray

    def __len__(self) -> int:
        return len(self.koder)

    def per_varde(self, funktion, dtype=object) -> "Kolumn":
        """`funktion(value)` computed once per distinct value, on the same codes."""
        ut = np.empty(len(self.varden), dtype=dtype)
        for i, v in enumerate(self.varden):
            ut[i] = funktion(v)
        return Kolumn(self.koder, ut)

    def rader(self, per_varde, saknas=False) -> np.ndarray:
        """A per-value array (a mask, numbers) spread over the rows; a missing value (code -1) gets `saknas`."""
        return np.append(per_varde, saknas)[self.koder]

    def unik(self) -> "Kolumn":
        """The same column with every distinct value once (None becomes code -1)."""
        koder, unika = pd.factorize(pd.Series(self.varden, dtype=object), use_na_sentinel=True)
        if len(unika) == len(self.varden):  # every value once and none missing: the codes stay (no pass over rows)
            return Kolumn(self.koder, np.asarray(unika, dtype=object))
        return Kolumn(np.append(koder, -1)[self.koder], np.asarray(unika, dtype=object))

    def serie(self) -> pd.Series:
        """Every row's value (small files only: the SQLite write path, Väntetidsdatabasen)."""
        return pd.Series(np.append(self.varden.astype(object), [None])[self.koder], dtype=object)

    @classmethod
    def konstant(cls, varde, rader: int) -> "Kolumn":
        return cls(np.zeros(rader, dtype=np.int8), np.array([varde], dtype=object))


@dataclass
class Tabell:
    """A read file: normalised header names (lower case, stripped) → columns, all of `rader` rows."""

    kolumner: dict[str, Kolumn]
    rader: int
    path: Path | None = None

    @property
    def columns(self) -> list[str]:
        return list(self.kolumner)

    def __getitem__(self, namn: str) -> Kolumn:
        return self.kolumner[namn]

    def __contains__(self, namn: str) -> bool:
        return namn in self.kolumner


def _rubrik(path: Path) -> tuple[list[str], bool]:
    """The header's names as written, and whether any data follows the header line."""
    with path.open("rb") as f:
        borjan = f.read(MAX_RUBRIK)
    if vakt.ar_zip(borjan):
        raise FilAvvisad([Fel(1, "", FEL_ZIP)])
    text = borjan.removeprefix(BOM)
    slut = min((i for i in (text.find(b"\n"), text.find(b"\r")) if i >= 0), default=-1)
    if slut < 0 and len(borjan) == MAX_RUBRIK:
        raise FilAvvisad([Fel(1, "", FEL_EJ_CSV)])
    rad, rest = (text, b"") if slut < 0 else (text[:slut], text[slut + 1 :])
    if not text.strip():
        raise FilAvvisad([Fel(1, "", FEL_TOM)])
    try:
        namn = next(csv.reader([rad.decode("utf-8")], delimiter=";"), [])
    except UnicodeDecodeError as exc:
        raise FilAvvisad([Fel(1, "", FEL_KODNING)]) from exc
    except csv.Error as exc:
        raise FilAvvisad([Fel(1, "", FEL_EJ_CSV)]) from exc
    return namn, bool(rest.strip(b"\r\n"))


def _kolumn(data: pa.ChunkedArray) -> Kolumn:
    """One global dictionary for a column that pyarrow encoded chunk by chunk (each chunk has its own): pyarrow
    unifies the chunks' dictionaries and remaps their codes in C++, so no per-chunk Python runs."""
    if data.num_chunks > 1:
        data = pa.table({"k": data}).unify_dictionaries().column("k")
    ordbok = data.chunk(0).dictionary if data.num_chunks else pa.array([], pa.string())
    koder = pa.chunked_array([bit.indices for bit in data.chunks], pa.int32()).to_numpy()
    return Kolumn(koder, np.asarray(ordbok.to_pylist(), dtype=object))


def _las(path: Path, antal: int, kolumner: dict[str, int], *, tradar: bool, felrader: list) -> pa.Table:
    """pyarrow reads the known columns as dictionaries; rows with the wrong number of fields go to `felrader`
    (the first MAX_FEL of them; the rest are counted as None)."""

    def fel_rad(rad) -> str:
        felrader.append(rad if len(felrader) < MAX_FEL else None)
        return "skip"

    namn = [f"k{i}" for i in range(antal)]
    ordbok = pa.dictionary(pa.int32(), pa.string())
    return pa_csv.read_csv(
        path,
        read_options=pa_csv.ReadOptions(skip_rows=1, column_names=namn, use_threads=tradar, block_size=1 << 22),
        parse_options=pa_csv.ParseOptions(delimiter=";", invalid_row_handler=fel_rad),
        convert_options=pa_csv.ConvertOptions(
            include_columns=[namn[i] for i in kolumner.values()],
            column_types={namn[i]: ordbok for i in kolumner.values()},
            null_values=[],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _poster(path: Path):
    """(record number, first physical line, fields) of every record as pyarrow counts them: the header is record 1
    and empty lines are no records. Error path only (Python's csv reader); bytes that are not UTF-8 come through as
    lone surrogates (U+DC80–U+DCFF)."""
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.reader(text, delimiter=";")
        post = slut = 0
        for falt in reader:
            if falt:
                post += 1
                yield post, slut + 1, falt
            slut = reader.line_num


def fysiska_rader(path: Path | None, poster) -> dict[int, int]:
    """Record numbers (header = 1) → the physical line each record starts on, read up to the last one asked for.

    Called only when there are errors to report, so a clean file is never scanned twice. A record that cannot be
    found (a file the csv module reads differently) keeps its record number."""
    onskade = {int(p) for p in poster if p}
    karta: dict[int, int] = {}
    if path is None or not onskade:
        return karta
    sista = max(onskade)
    try:
        for post, rad, _ in _poster(path):
            if post in onskade:
                karta[post] = rad
            if post >= sista:
                break
    except (csv.Error, OSError) as exc:  # e.g. a field over the csv module's size limit
        logger.info("Radnummer kunde inte räknas om: %s", maskera_i_text(str(exc)))  # an OSError names the path
    return karta


def pa_fysiska(fel: list[Fel], path: Path | None) -> list[Fel]:
    karta = fysiska_rader(path, [f.rad for f in fel if f.rad is not None and f.rad > 1])
    return [replace(f, rad=karta.get(f.rad, f.rad) if f.rad is not None else None) for f in fel]


_EJ_UTF8 = re.compile("[\udc80-\udcff]")


def _kodningsfel(path: Path, parserfel: str, rubrik: list[str]) -> Fel:
    """The first cell that is not UTF-8, in the column pyarrow named (its message has the column, and the row only
    when one thread read the file); line 1 without a column when it cannot be found."""
    m = re.search(r"column #(\d+)", parserfel)
    index = int(m.group(1)) if m else None
    try:
        for post, rad, falt in _poster(path):
            celler = [falt[index]] if index is not None and index < len(falt) else falt
            if post > 1 and any(_EJ_UTF8.search(c) for c in celler):
                kolumn = rubrik[index] if index is not None and index < len(rubrik) else ""
                return Fel(rad, kolumn, FEL_KODNING_VARDE)
    except (csv.Error, OSError) as exc:
        logger.info("Kodningsfelet kunde inte hittas: %s", maskera_i_text(str(exc)))
    return Fel(1, "", FEL_KODNING)


def las_csv(path, *, loggnamn: str | None = None) -> Tabell:
    """Reads every cell as text, dictionary-encoded; header names lower-cased and stripped; a BOM is dropped.

    Registers deliver CSV only: an Excel workbook (a zip) is rejected with a message saying how to save it. A row
    with another number of fields than the header is an error naming its line. Unknown columns are not read.
    `loggnamn` is the file's name as it may be logged (personnummer masked); the path's own name otherwise."""
    path = Path(path)
    namn, har_data = _rubrik(path)
    normal = [rubriknamn(n) for n in namn]
    kanda: dict[str, int] = {}
    dubbla = []
    for i, n in enumerate(normal):
        if n in KANDA_KOLUMNER:
            if n in kanda:
                dubbla.append(n)
            kanda.setdefault(n, i)
    if dubbla:
        raise FilAvvisad([Fel(1, n, FEL_KOLUMN_DUBBEL) for n in dict.fromkeys(dubbla)])
    if not har_data or not kanda:  # no rows, or nothing a register writes (the caller says which)
        return Tabell({n: Kolumn(np.zeros(0, dtype=np.int32), np.array([], dtype=object)) for n in kanda}, 0, path)
    felrader: list = []
    try:
        tabell = _las(path, len(namn), kanda, tradar=True, felrader=felrader)
        if felrader and any(r.number is None for r in felrader[:MAX_FEL]):
            felrader.clear()  # line numbers are only known when one thread reads the file in order
            _las(path, len(namn), kanda, tradar=False, felrader=felrader)
    except pa.ArrowException as exc:  # ArrowInvalid for a malformed file; any other Arrow error alike
        # The parser's (English) text stays in the log for support; the user gets a fixed Swedish message.
        # Register files hold aggregate figures only, so the text carries no personal data; a path it names is masked.
        filnamn = loggnamn or maskera_i_text(path.name)
        logger.info("Registerfil %s kunde inte tolkas som CSV: %s", filnamn, maskera_i_text(str(exc)))
        if "UTF8" in str(exc):
            raise FilAvvisad([_kodningsfel(path, str(exc), normal)]) from exc
        raise FilAvvisad([Fel(1, "", FEL_EJ_CSV)]) from exc
    if felrader:
        fel = [
            Fel(r.number or 0, "", FEL_FALTANTAL.format(faktiskt=r.actual_columns, vantat=r.expected_columns))
            for r in felrader[:MAX_FEL]
        ]
        raise FilAvvisad(pa_fysiska(fel, path), len(felrader))
    return Tabell({n: _kolumn(tabell.column(f"k{i}")) for n, i in kanda.items()}, tabell.num_rows, path)
