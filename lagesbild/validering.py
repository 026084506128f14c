"""Reading and validating register files (shared/formats/REGISTER_FILES.md), vectorised with pandas and NumPy.

Rule: the WHOLE file is checked before anything is written; every error names line and column. Line numbers
are the file's physical lines with the header as line 1. The checks count records (the first data record is
record 2); only when there are errors to report is the file scanned once more to turn record numbers into lines
(blank lines and quoted values spanning lines make them differ), so a clean file never pays for it.

Which register a file comes from is decided by its header (identifiera_kalla): `manad` and `typ` ⇒
Väntetidsdatabasen; `prioritet` or `andel_asa_3_4` ⇒ SPOR; `anestesi` without them ⇒ NCR. A header with both
SPOR's and NCR's distinguishing columns is ambiguous: the file name decides when it follows the agreed pattern
(`spor_vantetider_ÅÅÅÅMMDD.csv`, `ncr_katarakt_ÅÅÅÅMMDD.csv`), otherwise the file is rejected.

Small-number suppression (common to all three sources): a count below 5 must be written `<5`; a count of 1–4
written as a number is rejected. A count of 0 is a real zero: then there is nothing to compute, so statistics
given with it are rejected, and a 0 with empty statistics is accepted as "no operations".

Register files are low-cardinality (units, KVÅ groups, periods, small counts) and national deliveries have
millions of rows, so the reader (pyarrow's CSV parser, the engine behind pandas' `engine="pyarrow"`)
dictionary-encodes every column while parsing: a column is a `Kolumn` of per-row codes into its distinct
values. Checks and parsing then run once per distinct value and are spread back to the rows with the codes;
the importer writes from the same codes (bulk.py), so no per-row Python object is ever made.
"""

import csv
import io
import logging
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.utils import timezone

from lagesbild.manader import manad_plus, manadstext
from lagesbild.models import Kalla
from vardformedling.hsa import HSA_RE
from vardformedling.indata import FEL_STYRTECKEN, styrtecken, utan_styrtecken
from vardformedling.personnummer import maskera_i_text

logger = logging.getLogger(__name__)

MAX_FEL = 200

REGISTER_KOLUMNER = [
    "uttagsdatum",
    "region_kod",
    "vardenhet_hsaid",
    "vardenhet_namn",
    "kva_grupp",
    "matperiod",
    "antal_utforda",
    "median_vantetid_dagar",
    "p90_vantetid_dagar",
    "andel_inom_90_dagar",
]
KOLUMNER = {
    Kalla.SPOR: [*REGISTER_KOLUMNER, "prioritet", "andel_asa_3_4"],
    Kalla.NCR: [*REGISTER_KOLUMNER, "anestesi"],
    Kalla.VANTETIDER: [
        "manad",
        "region_kod",
        "typ",
        "vardomrade",
        "antal_vantande",
        "antal_vantande_over_90",
        "antal_nytillkomna",
        "antal_genomforda",
    ],
}
KANDA_KOLUMNER = frozenset(k for kolumner in KOLUMNER.values() for k in kolumner)
URVAL = {
    Kalla.SPOR: ("prioritet", ["alla", "inom_2v", "inom_4v", "inom_3m", "inom_6m", "over_6m"]),
    Kalla.NCR: ("anestesi", ["alla", "narkos", "lokal"]),
}
FONSTER = ("30d", "90d", "365d")
UNDERTRYCKT = "<5"
# [0-9], not \d: \d also matches other scripts' digits ("٣"), which int() reads but no register writes
MANAD_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")
DATUM_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
KVA_RE = re.compile(r"^[A-ZÅÄÖ0-9]{3}$")
BOM = b"\xef\xbb\xbf"
MAX_RUBRIK = 1 << 20  # a header line longer than 1 MB is not a register file
MAX_HELTAL = 2_147_483_647  # PostgreSQL integer: the largest count the database can store
MAX_VANTEDAGAR = 3650  # ten years: a longer waiting time is a broken file, not a figure
MAX_ENHETSNAMN = 200  # Vardenhet.namn
MAX_VARDOMRADE = 100  # VantetidManad.vardomrade
MANADER_BAKAT = 18  # monthly periods: the 18 calendar months before the extract's month
# The agreed file names (REGISTER_FILES.md); a stored name may carry the inbox's "ÅÅÅÅMMDDTHHMMSSZ_xxxxxx_" prefix
# (older names have no Z).
_PREFIX = r"^(?:[0-9]{8}T[0-9]{6}Z?_[0-9a-z]{6}_)?"
FILNAMN_RE = {
    Kalla.SPOR: re.compile(_PREFIX + r"spor_vantetider_([0-9]{8})\.csv$", re.IGNORECASE),
    Kalla.NCR: re.compile(_PREFIX + r"ncr_katarakt_([0-9]{8})\.csv$", re.IGNORECASE),
    Kalla.VANTETIDER: re.compile(_PREFIX + r"vantetider_([0-9]{6})\.csv$", re.IGNORECASE),
}

FEL_TVETYDIG_KALLA = (
    "rubrikraden har både SPOR:s kolumner (prioritet, andel_asa_3_4) och NCR:s (anestesi), så det går inte att "
    "avgöra vilket register filen kommer från. Ta bort den kolumn som inte hör till registret, eller namnge filen "
    "spor_vantetider_ÅÅÅÅMMDD.csv eller ncr_katarakt_ÅÅÅÅMMDD.csv."
)
FEL_OKAND_KALLA = (
    "kan inte avgöra vilket register filen kommer från: rubrikraden saknar prioritet (SPOR), "
    "anestesi (NCR) eller manad och typ (Väntetidsdatabasen)."
)
FEL_KOLUMN_SAKNAS = "kolumnen saknas i rubrikraden."
FEL_KOLUMN_DUBBEL = "kolumnen finns flera gånger i rubrikraden; ta bort den extra kolumnen."
FEL_TOM = "filen innehåller inga datarader."
FEL_KODNING = "filen är inte UTF-8-kodad text (spara den som CSV UTF-8)."
FEL_KODNING_VARDE = "värdet innehåller tecken som inte är UTF-8; filen ska vara UTF-8-kodad (spara den som CSV UTF-8)."
FEL_UNDER_5 = "{varde} är färre än 5 och ska skrivas <5 (röjandeskydd)."
FEL_NOLL_MED_STATISTIK = (
    "antal är 0 men statistik är angiven; utan operationer finns ingen väntetid att redovisa (lämna statistiken tom)."
)
FEL_ZIP = (
    "filen är en Excel-arbetsbok eller zip-fil, inte CSV. Registrens leveranser ska vara CSV: öppna filen i Excel "
    "och spara den som ”CSV UTF-8” med semikolon som avgränsare."
)
FEL_EJ_CSV = (
    "filen kunde inte läsas som CSV. Kontrollera att den har semikolon som avgränsare, en rubrikrad och lika "
    "många fält på varje rad (citattecken måste stängas)."
)
FEL_FALTANTAL = (
    "raden har {faktiskt} fält men rubrikraden har {vantat}. Fälten ska skiljas med semikolon, och ett "
    "citattecken måste stängas på samma rad."
)


@dataclass(frozen=True)
class Fel:
    rad: int
    kolumn: str
    meddelande: str

    def text(self, filnamn: str) -> str:
        plats = f"rad {self.rad}, kolumn {self.kolumn}" if self.kolumn else f"rad {self.rad}"
        return f"{filnamn} {plats}: {self.meddelande}"

    def as_dict(self) -> dict:
        return {"rad": self.rad, "kolumn": self.kolumn, "meddelande": self.meddelande}


class FilAvvisad(Exception):
    """The file breaks the format; `fel` lists every error found (capped at MAX_FEL), `antal` how many in all."""

    def __init__(self, fel: list[Fel], antal: int | None = None):
        super().__init__(f"{len(fel)} fel")
        self.fel = fel
        self.antal = antal if antal is not None else len(fel)


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
        return Kolumn(np.append(koder, -1)[self.koder], np.asarray(unika, dtype=object))

    def serie(self) -> pd.Series:
        """Every row's value (small files only: the SQLite write path, Väntetidsdatabasen)."""
        return pd.Series(np.append(self.varden.astype(object), None)[self.koder], dtype=object)

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
    if borjan[:4] == b"PK\x03\x04":
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
    """One global dictionary for a column that pyarrow encoded chunk by chunk (each chunk has its own)."""
    if data.num_chunks == 1:
        bit = data.chunk(0)
        return Kolumn(bit.indices.to_numpy(), np.asarray(bit.dictionary.to_pylist(), dtype=object))
    index: dict[str, int] = {}
    koder = np.empty(len(data), dtype=np.int32)
    pos = 0
    for bit in data.chunks:
        ordbok = bit.dictionary.to_pylist()
        karta = np.fromiter((index.setdefault(v, len(index)) for v in ordbok), dtype=np.int32, count=len(ordbok))
        koder[pos : pos + len(bit)] = karta[bit.indices.to_numpy()]
        pos += len(bit)
    return Kolumn(koder, np.asarray(list(index), dtype=object))


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


def _pa_fysiska(fel: list[Fel], path: Path | None) -> list[Fel]:
    karta = fysiska_rader(path, [f.rad for f in fel if f.rad > 1])
    return [replace(f, rad=karta.get(f.rad, f.rad)) for f in fel]


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
    normal = [str(n).strip().lower() for n in namn]
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
        raise FilAvvisad(_pa_fysiska(fel, path), len(felrader))
    return Tabell({n: _kolumn(tabell.column(f"k{i}")) for n, i in kanda.items()}, tabell.num_rows, path)


def kalla_enligt_filnamn(filnamn: str) -> tuple[Kalla, str] | None:
    """(source, the date part) when the name follows an agreed pattern, e.g. spor_vantetider_20261120.csv."""
    for kalla, monster in FILNAMN_RE.items():
        m = monster.match(filnamn or "")
        if m:
            return kalla, m.group(1)
    return None


def identifiera_kalla(kolumner, filnamn: str = "") -> Kalla:
    """The source by the header's distinguishing columns (see the module docstring)."""
    cols = set(kolumner)
    if {"manad", "typ"} <= cols:
        return Kalla.VANTETIDER
    spor = "prioritet" in cols or "andel_asa_3_4" in cols
    ncr = "anestesi" in cols
    if spor and ncr:
        enligt_namn = kalla_enligt_filnamn(filnamn)
        if enligt_namn and enligt_namn[0] in (Kalla.SPOR, Kalla.NCR):
            return enligt_namn[0]
        raise FilAvvisad([Fel(1, "", FEL_TVETYDIG_KALLA)])
    if spor:
        return Kalla.SPOR
    if ncr:
        return Kalla.NCR
    raise FilAvvisad([Fel(1, "", FEL_OKAND_KALLA)])


def _datum_i_filnamn(filnamn: str, kalla: Kalla) -> str | None:
    """The date (ÅÅÅÅ-MM-DD) or month (ÅÅÅÅ-MM) the name gives when it follows this source's pattern."""
    enligt_namn = kalla_enligt_filnamn(filnamn)
    if not enligt_namn or enligt_namn[0] != kalla:
        return None
    siffror = enligt_namn[1]
    if kalla == Kalla.VANTETIDER:
        return _manad(f"{siffror[:4]}-{siffror[4:]}")
    datum = _datum(f"{siffror[:4]}-{siffror[4:6]}-{siffror[6:]}")
    return datum.isoformat() if datum else None


def _klamrar(text: str) -> str:
    """Literal text inside a message that `markera` formats with {varde}."""
    return text.replace("{", "{{").replace("}", "}}")


class _Granskare:
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
            raise FilAvvisad(_pa_fysiska(fel, self.t.path), self.antal)


FEL_FOR_STORT_ANTAL = f"'{{varde}}' är större än vad som kan lagras (högst {MAX_HELTAL:,}).".replace(",", " ")
FEL_FOR_MANGA_DAGAR = f"'{{varde}}' dagar är orimligt; en väntetid kan vara högst {MAX_VANTEDAGAR} dagar (tio år)."


def _tal(text: str) -> float:
    """A plain decimal number (ASCII, optional sign/exponent, surrounding spaces) or NaN."""
    if not text.isascii() or "_" in text:
        return np.nan
    try:
        return float(text)
    except ValueError:
        return np.nan


def _datum(value: str) -> date | None:
    if not DATUM_RE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _manad(value: str) -> str | None:
    m = MANAD_RE.match(value)
    return value if m and 1 <= int(m.group(2)) <= 12 and int(m.group(1)) >= 1990 else None


def _region(regionkoder: set[str]):
    def normalise(value: str) -> str | None:
        kod = value.zfill(2) if value.isascii() and value.isdigit() and len(value) <= 2 else value
        return kod if kod in regionkoder or kod == "00" else None

    return normalise


def _hsa_id(value: str) -> str | None:
    """Upper case, as the catalogue stores it (katalog.importer); "" is a register total without a unit."""
    normal = value.upper()
    return normal if normal == "" or HSA_RE.match(normal) else None


def kontrollera_kolumner(tabell: Tabell, kalla: Kalla) -> None:
    saknas = [k for k in KOLUMNER[kalla] if k not in tabell]
    if saknas:
        raise FilAvvisad([Fel(1, k, FEL_KOLUMN_SAKNAS) for k in saknas])
    if not tabell.rader:
        raise FilAvvisad([Fel(1, "", FEL_TOM)])


def _dubbletter(kolumner: list[Kolumn]) -> np.ndarray:
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
    return pd.Series(nyckel).duplicated(keep="first").to_numpy()


@dataclass
class RegisterRader:
    """The clean rows of a SPOR/NCR delivery, column by column as codes into distinct values (see Kolumn).

    `region` is the normalised code ("00" the whole country), `hsa` is "" on the register's own totals, numbers
    are floats with NaN for an empty or suppressed cell, `undertryckt` is True where the count was `<5`."""

    region: Kolumn
    hsa: Kolumn
    namn: Kolumn
    kva: Kolumn
    matperiod: Kolumn
    urval: Kolumn
    antal: Kolumn
    undertryckt: Kolumn
    median: Kolumn
    p90: Kolumn
    andel_inom_90: Kolumn
    andel_asa_3_4: Kolumn

    def __len__(self) -> int:
        return len(self.kva)


def _uttagsdatum(g: _Granskare, kalla: Kalla, filnamn: str) -> date | None:
    """The extract date: the same on every row, not in the future, and the date in the file name if it has one."""
    datum = g.kontrollera_varden("uttagsdatum", _datum, "'{varde}' är inte ett datum (ÅÅÅÅ-MM-DD).")
    forsta = datum.varden[datum.koder[0]] if datum.koder[0] >= 0 else None
    if forsta is None:
        return None
    g.markera(
        datum.rader(np.array([d is not None and d != forsta for d in datum.varden], dtype=bool)),
        "uttagsdatum",
        "'{varde}' skiljer sig från första radens " + f"{forsta}; uttagsdatum ska vara samma på alla rader.",
    )
    senast = timezone.localdate() + timedelta(days=1)
    if forsta > senast:
        g.markera_forsta("uttagsdatum", f"'{{varde}}' ligger i framtiden; uttagsdatum kan vara högst {senast}.")
    enligt_namn = _datum_i_filnamn(filnamn, kalla)
    if enligt_namn and enligt_namn != forsta.isoformat():
        g.markera_forsta(
            "uttagsdatum",
            _klamrar(
                f"filnamnet {filnamn} anger datumet {enligt_namn} men uttagsdatum i filen är {forsta}; "
                "rätta filnamnet eller filens innehåll."
            ),
        )
    return forsta


def granska_register(
    tabell: Tabell, kalla: Kalla, regionkoder: set[str], *, filnamn: str = ""
) -> tuple[RegisterRader, date]:
    """SPOR/NCR: returns (clean rows, uttagsdatum) or raises FilAvvisad with every error."""
    kontrollera_kolumner(tabell, kalla)
    g = _Granskare(tabell)
    forsta = _uttagsdatum(g, kalla, filnamn)
    region = g.kontrollera_varden("region_kod", _region(regionkoder), "'{varde}' är ingen känd regionkod.")
    hsa = g.kontrollera_varden(
        "vardenhet_hsaid",
        _hsa_id,
        "'{varde}' är inget HSA-id; det ska se ut som SE2321000180-FALU01 (SE, tio siffror, bindestreck och "
        "högst 40 bokstäver A–Z eller siffror).",
    )
    if (hsa.varden != "").any() and (region.varden == "00").any():
        g.markera(
            hsa.rader(hsa.varden != "") & region.rader(region.varden == "00"),
            "region_kod",
            "en vårdenhet kan inte ha regionkod 00 (00 är rikets total utan vårdenhet).",
        )
    g.styrtecken("vardenhet_namn")
    g.for_langa("vardenhet_namn", MAX_ENHETSNAMN)
    kva = g.kontrollera_varden(
        "kva_grupp",
        lambda v: v.upper() if KVA_RE.match(v.upper()) else None,
        "'{varde}' är ingen KVÅ-grupp; den ska vara tre tecken, t.ex. NGB eller CJE.",
    )
    matperiod = g.kontrollera_varden(
        "matperiod",
        lambda v: v.lower() if v.lower() in FONSTER else _manad(v),
        "'{varde}' är ingen mätperiod; använd 30d, 90d, 365d eller en månad ÅÅÅÅ-MM.",
    )
    if forsta is not None:
        fran, till = manadstext(manad_plus(forsta, -MANADER_BAKAT)), manadstext(manad_plus(forsta, -1))
        utanfor = np.array([m is not None and m not in FONSTER and not fran <= m <= till for m in matperiod.varden])
        if utanfor.any():
            g.markera(
                matperiod.rader(utanfor),
                "matperiod",
                f"'{{varde}}' ligger utanför de {MANADER_BAKAT} kalendermånaderna före uttagsdatums månad "
                f"({fran} – {till}).",
            )
    urval_kolumn, urval_varden = URVAL[kalla]
    urval = g.kontrollera_varden(
        urval_kolumn,
        lambda v: v.lower() if v.lower() in urval_varden else None,
        "'{varde}' är inget giltigt värde; använd " + ", ".join(urval_varden) + ".",
    )

    antal_text = tabell["antal_utforda"].per_varde(str.strip).varden
    undertryckt_v = antal_text == UNDERTRYCKT
    tom_v = antal_text == ""
    antal = g.tal("antal_utforda", heltal=True, hogst=MAX_HELTAL, for_stort=FEL_FOR_STORT_ANTAL, utom={UNDERTRYCKT})
    g.under_fem("antal_utforda", antal)
    noll_v = antal.varden == 0
    dagar = {"heltal": True, "hogst": MAX_VANTEDAGAR, "for_stort": FEL_FOR_MANGA_DAGAR}
    stats = {
        "median_vantetid_dagar": g.tal("median_vantetid_dagar", **dagar),
        "p90_vantetid_dagar": g.tal("p90_vantetid_dagar", **dagar),
        "andel_inom_90_dagar": g.tal("andel_inom_90_dagar", heltal=False, hogst=100),
    }
    if kalla == Kalla.SPOR:
        stats["andel_asa_3_4"] = g.tal("andel_asa_3_4", heltal=False, hogst=100)
    undertryckt = tabell["antal_utforda"].rader(undertryckt_v) if undertryckt_v.any() else None
    antal_tom = tabell["antal_utforda"].rader(tom_v) if tom_v.any() else None
    antal_noll = tabell["antal_utforda"].rader(noll_v) if noll_v.any() else None
    behover_stat = antal_tom is not None or antal_noll is not None
    nagon_stat = np.zeros(tabell.rader, dtype=bool) if behover_stat else None
    for kolumn in stats:
        ifylld = tabell[kolumn].rader(g.ifylld(kolumn))
        if nagon_stat is not None:
            nagon_stat |= ifylld
        if undertryckt is not None:
            g.markera(
                undertryckt & ifylld,
                kolumn,
                "statistik får inte anges när antal_utforda är <5 (färre än 5 ska lämnas tomt).",
            )
    if antal_tom is not None:
        g.markera(
            antal_tom & nagon_stat, "antal_utforda", "antal saknas men statistik är angiven; ange antal eller <5."
        )
        g.markera(antal_tom & ~nagon_stat, "antal_utforda", "antal saknas; ange antal eller <5.")
    if antal_noll is not None:
        g.markera(antal_noll & nagon_stat, "antal_utforda", FEL_NOLL_MED_STATISTIK)
    median, p90 = stats["median_vantetid_dagar"], stats["p90_vantetid_dagar"]
    with np.errstate(invalid="ignore"):
        lagre = p90.rader(p90.varden, np.nan) < median.rader(median.varden, np.nan)
    g.markera(
        lagre,
        "p90_vantetid_dagar",
        "'{varde}' är lägre än medianen på samma rad; 90:e percentilen kan inte vara lägre än medianen.",
    )
    # A unit is one unit whatever region code a row gives it; only the registers' totals are told apart by region.
    enhetsrad = hsa.rader(hsa.varden != "")
    region_om_total = Kolumn(np.where(enhetsrad, len(region.varden), region.koder), np.append(region.varden, None))
    dubblett = _dubbletter([hsa, region_om_total, kva, matperiod, urval])
    if dubblett.any():
        g.markera(
            dubblett,
            "vardenhet_hsaid",
            "dubblett: samma vårdenhet (eller samma regions total), KVÅ-grupp, mätperiod och urval finns på en "
            "tidigare rad.",
        )
    g.resultat()
    rader = RegisterRader(
        region=region,
        hsa=hsa,
        namn=tabell["vardenhet_namn"].per_varde(str.strip),
        kva=kva,
        matperiod=matperiod,
        urval=urval,
        antal=antal,
        undertryckt=Kolumn(tabell["antal_utforda"].koder, undertryckt_v),
        median=median,
        p90=p90,
        andel_inom_90=stats["andel_inom_90_dagar"],
        andel_asa_3_4=stats["andel_asa_3_4"] if kalla == Kalla.SPOR else Kolumn.konstant(np.nan, tabell.rader),
    )
    return rader, forsta


def granska_vantetider(tabell: Tabell, regionkoder: set[str], *, filnamn: str = "") -> pd.DataFrame:
    """Väntetidsdatabasen: returns a clean frame or raises FilAvvisad with every error.

    Counts are ints, or None where the file says `<5` (suppressed: shown as "färre än 5", never computed with)."""
    kontrollera_kolumner(tabell, Kalla.VANTETIDER)
    g = _Granskare(tabell)
    manad = g.kontrollera_varden("manad", _manad, "'{varde}' är ingen månad (ÅÅÅÅ-MM).")
    denna = timezone.localdate().strftime("%Y-%m")
    framtid = np.array([m is not None and m > denna for m in manad.varden], dtype=bool)
    g.markera(manad.rader(framtid), "manad", f"'{{varde}}' ligger i framtiden; senast möjliga månad är {denna}.")
    giltiga = [m for m in manad.varden if m is not None]
    enligt_namn = _datum_i_filnamn(filnamn, Kalla.VANTETIDER)
    if enligt_namn and giltiga and max(giltiga) != enligt_namn:
        senaste = max(giltiga)
        forsta_rad = np.zeros(tabell.rader, dtype=bool)
        forsta_rad[np.argmax(manad.rader(manad.varden == senaste))] = True
        g.markera(
            forsta_rad,
            "manad",
            _klamrar(
                f"filnamnet {filnamn} anger månaden {enligt_namn} men filens senaste månad är {senaste}; "
                "rätta filnamnet eller filens innehåll."
            ),
        )
    region = g.kontrollera_varden("region_kod", _region(regionkoder), "'{varde}' är ingen känd regionkod.")
    typ = g.kontrollera_varden(
        "typ",
        lambda v: v.lower() if v.lower() in {"besok", "atgard"} else None,
        "'{varde}': använd besok eller atgard.",
    )
    omrade = g.kontrollera_varden(
        "vardomrade", lambda v: v or None, "vårdområde saknas (t.ex. Ögonsjukvård eller Alla)."
    )
    g.styrtecken("vardomrade")
    g.for_langa("vardomrade", MAX_VARDOMRADE)
    tal = {}
    for kolumn in KOLUMNER[Kalla.VANTETIDER][4:]:
        num = g.tal(kolumn, heltal=True, hogst=MAX_HELTAL, for_stort=FEL_FOR_STORT_ANTAL, utom={UNDERTRYCKT})
        g.markera_varden(~g.ifylld(kolumn), kolumn, "värde saknas; ange antal eller <5.")
        g.under_fem(kolumn, num)
        tal[kolumn] = num.rader(num.varden, np.nan)  # NaN: `<5` (or an error reported above)
    vantande_undertryckt = tabell["antal_vantande"].rader(
        np.array([v.strip() == UNDERTRYCKT for v in tabell["antal_vantande"].varden], dtype=bool)
    )
    with np.errstate(invalid="ignore"):
        g.markera(
            tal["antal_vantande_over_90"] > tal["antal_vantande"],
            "antal_vantande_over_90",
            "'{varde}' är fler än antal_vantande.",
        )
        g.markera(
            vantande_undertryckt & (tal["antal_vantande_over_90"] >= 5),
            "antal_vantande_over_90",
            "'{varde}' är fler än antal_vantande, som är <5.",
        )
    g.markera(
        _dubbletter([manad, region, typ, omrade]),
        "vardomrade",
        "dubblett: samma månad, region, typ och vårdområde finns på en tidigare rad.",
    )
    g.resultat()
    return pd.DataFrame(
        {"manad": manad.serie(), "region_kod": region.serie(), "typ": typ.serie(), "vardomrade": omrade.serie()}
        | {k: pd.Series([None if np.isnan(x) else int(x) for x in v], dtype=object) for k, v in tal.items()}
    )
