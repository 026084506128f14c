"""Register sources (shared/formats/REGISTER_FILES.md): their columns, selections, periods, file names and limits.

Which register a file comes from is decided by its header (identifiera_kalla): `manad` and `typ` ⇒
Väntetidsdatabasen; `prioritet` or `andel_asa_3_4` ⇒ SPOR; `anestesi` without them ⇒ NCR. A header with both
SPOR's and NCR's distinguishing columns is ambiguous: the file name decides when it follows the agreed pattern
(`spor_vantetider_ÅÅÅÅMMDD.csv`, `ncr_katarakt_ÅÅÅÅMMDD.csv`), otherwise the file is rejected.
"""

import re
from datetime import date

from lagesbild.models import Kalla
from vardformedling.importering.fel import FilAvvisad
from vardformedling.importering.fel import Importfel as Fel

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


def las_datum(value: str) -> date | None:
    if not DATUM_RE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def las_manad(value: str) -> str | None:
    m = MANAD_RE.match(value)
    return value if m and 1 <= int(m.group(2)) <= 12 and int(m.group(1)) >= 1990 else None


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


def datum_i_filnamn(filnamn: str, kalla: Kalla) -> str | None:
    """The date (ÅÅÅÅ-MM-DD) or month (ÅÅÅÅ-MM) the name gives when it follows this source's pattern."""
    enligt_namn = kalla_enligt_filnamn(filnamn)
    if not enligt_namn or enligt_namn[0] != kalla:
        return None
    siffror = enligt_namn[1]
    if kalla == Kalla.VANTETIDER:
        return las_manad(f"{siffror[:4]}-{siffror[4:]}")
    datum = las_datum(f"{siffror[:4]}-{siffror[4:6]}-{siffror[6:]}")
    return datum.isoformat() if datum else None
