"""Reading and validating register files (shared/formats/REGISTER_FILES.md), vectorised with pandas.

Rule: the WHOLE file is checked before anything is written; every error names line and column. Line numbers
count the header as line 1, so the first data row is line 2. Checks on low-cardinality columns (dates, region,
KVÅ, period, urval) run on the distinct values only, so a national file with millions of rows stays fast.
"""

import logging
import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from lagesbild.models import Kalla

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
URVAL = {
    Kalla.SPOR: ("prioritet", ["alla", "inom_2v", "inom_4v", "inom_3m", "inom_6m", "over_6m"]),
    Kalla.NCR: ("anestesi", ["alla", "narkos", "lokal"]),
}
FONSTER = ("30d", "90d", "365d")
UNDERTRYCKT = "<5"
MANAD_RE = re.compile(r"^(\d{4})-(\d{2})$")
DATUM_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
KVA_RE = re.compile(r"^[A-ZÅÄÖ0-9]{3}$")

FEL_OKAND_KALLA = (
    "kan inte avgöra vilket register filen kommer från: rubrikraden saknar prioritet (SPOR), "
    "anestesi (NCR) eller manad och typ (Väntetidsdatabasen)."
)
FEL_KOLUMN_SAKNAS = "kolumnen saknas i rubrikraden."
FEL_TOM = "filen innehåller inga datarader."
FEL_KODNING = "filen är inte UTF-8-kodad text (spara den som CSV UTF-8)."
FEL_ZIP = (
    "filen är en Excel-arbetsbok eller zip-fil, inte CSV. Registrens leveranser ska vara CSV: öppna filen i Excel "
    "och spara den som ”CSV UTF-8” med semikolon som avgränsare."
)
FEL_EJ_CSV = (
    "filen kunde inte läsas som CSV. Kontrollera att den har semikolon som avgränsare, en rubrikrad och lika "
    "många fält på varje rad (citattecken måste stängas)."
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


def las_csv(path) -> pd.DataFrame:
    """Reads every cell as text; header names lower-cased and stripped; an optional BOM is dropped.

    Registers deliver CSV only: an Excel workbook (a zip) is rejected with a message saying how to save it."""
    with open(path, "rb") as f:
        if f.read(4) == b"PK\x03\x04":
            raise FilAvvisad([Fel(1, "", FEL_ZIP)])
    try:
        df = pd.read_csv(
            path,
            sep=";",
            dtype=str,
            encoding="utf-8-sig",
            keep_default_na=False,
            na_filter=False,
            skipinitialspace=True,
        )
    except UnicodeDecodeError as exc:
        raise FilAvvisad([Fel(1, "", FEL_KODNING)]) from exc
    except pd.errors.EmptyDataError as exc:
        raise FilAvvisad([Fel(1, "", FEL_TOM)]) from exc
    except ValueError as exc:  # pandas' ParserError and the C parser's other complaints
        # The parser's (English) text stays in the log for support; the user gets a fixed Swedish message.
        # Register files hold aggregate figures only, so the text carries no personal data.
        logger.info("Registerfil %s kunde inte tolkas som CSV: %s", getattr(path, "name", path), exc)
        raise FilAvvisad([Fel(1, "", FEL_EJ_CSV)]) from exc
    df.columns = [str(c).strip().lower() for c in df.columns]
    return df


def identifiera_kalla(kolumner) -> Kalla:
    cols = set(kolumner)
    if {"manad", "typ"} <= cols:
        return Kalla.VANTETIDER
    if "anestesi" in cols:
        return Kalla.NCR
    if "prioritet" in cols or "andel_asa_3_4" in cols:
        return Kalla.SPOR
    raise FilAvvisad([Fel(1, "", FEL_OKAND_KALLA)])


class _Granskare:
    """Collects errors as boolean masks over the rows (vectorised), with the offending value in the message.

    Every column is factorised once (codes + distinct values); checks and parsing run per DISTINCT value and are
    spread back to the rows with the codes, so cost grows with the number of distinct values, not rows.
    """

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self.fel: list[Fel] = []
        self.antal = 0
        self._unika: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.koder: dict[str, np.ndarray] = {}  # codes of the NORMALISED values (for the duplicate check)

    def unika(self, kolumn: str) -> tuple[np.ndarray, np.ndarray]:
        if kolumn not in self._unika:
            codes, uniques = pd.factorize(self.df[kolumn], use_na_sentinel=False)
            self._unika[kolumn] = (codes, np.asarray(uniques, dtype=object))
        return self._unika[kolumn]

    def per_varde(self, kolumn: str, funktion, dtype=object) -> np.ndarray:
        """`funktion(value)` computed once per distinct value, as an array over the rows."""
        codes, uniques = self.unika(kolumn)
        return np.array([funktion(v) for v in uniques], dtype=dtype)[codes]

    def markera(self, mask, kolumn: str, meddelande: str) -> None:
        """`meddelande` may contain {varde}; it is filled per row with the cell's value."""
        rows = np.asarray(mask, dtype=bool).nonzero()[0]
        if not len(rows):
            return
        self.antal += len(rows)
        values = self.df[kolumn].to_numpy() if kolumn in self.df else None
        for i in rows[:MAX_FEL]:
            varde = str(values[i]).strip() if values is not None else ""
            self.fel.append(Fel(int(i) + 2, kolumn, meddelande.format(varde=varde[:40])))

    def kontrollera_varden(self, kolumn: str, giltig, meddelande: str) -> pd.Series:
        """Checks each DISTINCT value once with `giltig(value) -> normalised or None`; returns the normalised column."""
        codes, uniques = self.unika(kolumn)
        normal = [giltig(v.strip()) for v in uniques]
        bad = np.array([n is None for n in normal], dtype=bool)
        if bad.any():
            self.markera(bad[codes], kolumn, meddelande)
        normal_koder, _ = pd.factorize(pd.Series(normal, dtype=object), use_na_sentinel=True)
        self.koder[kolumn] = normal_koder[codes] if len(uniques) else codes
        return pd.Series(np.array([*normal, None], dtype=object)[:-1][codes], index=self.df.index)

    def tal(self, kolumn: str, *, heltal: bool, hogst: float | None = None, utom=frozenset()) -> pd.Series:
        """Parses numbers (decimal comma or point); empty → NaN. Text, negatives, non-integers and out-of-range
        values are errors. Values in `utom` (e.g. `<5`) are treated as empty."""
        codes, uniques = self.unika(kolumn)
        tom = np.zeros(len(uniques), dtype=bool)
        varden = np.full(len(uniques), np.nan)
        for i, v in enumerate(uniques):
            text = v.strip()
            if text == "" or text in utom:
                tom[i] = True
            else:
                varden[i] = _tal(v if heltal else v.replace(",", "."))
        ej_tal = ~tom & np.isnan(varden)
        with np.errstate(invalid="ignore"):
            self.markera(ej_tal[codes], kolumn, "'{varde}' är inte ett tal.")
            self.markera((varden < 0)[codes], kolumn, "'{varde}' är negativt; värdet får inte vara mindre än 0.")
            if heltal:
                ej_heltal = ~np.isnan(varden) & (np.mod(varden, 1) != 0)
                self.markera(ej_heltal[codes], kolumn, "'{varde}' ska vara ett heltal.")
            if hogst is not None:
                self.markera((varden > hogst)[codes], kolumn, "'{varde}' ligger utanför 0–100 (procent).")
        return pd.Series(varden[codes], index=self.df.index)

    def resultat(self) -> None:
        if self.fel:
            fel = sorted(self.fel, key=lambda f: (f.rad, f.kolumn))[:MAX_FEL]
            raise FilAvvisad(fel, self.antal)


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
        kod = value.zfill(2) if value.isdigit() and len(value) <= 2 else value
        return kod if kod in regionkoder or kod == "00" else None

    return normalise


def kontrollera_kolumner(df: pd.DataFrame, kalla: Kalla) -> None:
    saknas = [k for k in KOLUMNER[kalla] if k not in df.columns]
    if saknas:
        raise FilAvvisad([Fel(1, k, FEL_KOLUMN_SAKNAS) for k in saknas])
    if df.empty:
        raise FilAvvisad([Fel(1, "", FEL_TOM)])


def _dubbletter(g: _Granskare, kolumner: list[str]) -> np.ndarray:
    """Rows whose normalised key repeats an earlier row: one int64 key from the per-column codes."""
    nyckel = np.zeros(len(g.df), dtype=np.int64)
    storlek = 1
    for kolumn in kolumner:
        koder = g.koder[kolumn].astype(np.int64) + 1  # None (an invalid value) is code -1
        bredd = int(koder.max()) + 1 if len(koder) else 1
        storlek *= bredd
        if storlek >= 2**62:  # absurd cardinality (a broken file): let pandas compare the values instead
            return pd.DataFrame({k: g.koder[k] for k in kolumner}).duplicated(keep="first").to_numpy()
        nyckel = nyckel * bredd + koder
    return pd.Series(nyckel).duplicated(keep="first").to_numpy()


def granska_register(df: pd.DataFrame, kalla: Kalla, regionkoder: set[str]) -> tuple[pd.DataFrame, date]:
    """SPOR/NCR: returns (clean frame, uttagsdatum) or raises FilAvvisad with every error."""
    kontrollera_kolumner(df, kalla)
    g = _Granskare(df)
    datum = g.kontrollera_varden("uttagsdatum", _datum, "'{varde}' är inte ett datum (ÅÅÅÅ-MM-DD).")
    forsta = datum.iloc[0]
    if forsta is not None and (datum.notna() & (datum != forsta)).any():
        g.markera(
            datum.notna() & (datum != forsta),
            "uttagsdatum",
            "'{varde}' skiljer sig från första radens " + f"{forsta}; uttagsdatum ska vara samma på alla rader.",
        )
    region = g.kontrollera_varden("region_kod", _region(regionkoder), "'{varde}' är ingen känd regionkod.")
    hsa = g.kontrollera_varden("vardenhet_hsaid", lambda v: v, "")  # only stripped; never an error
    g.markera(
        (hsa != "") & (region == "00"),
        "region_kod",
        "en vårdenhet kan inte ha regionkod 00 (00 är rikets total utan vårdenhet).",
    )
    kva = g.kontrollera_varden(
        "kva_grupp",
        lambda v: v.upper() if KVA_RE.match(v.upper()) else None,
        "'{varde}' är ingen KVÅ-grupp; den ska vara tre tecken, t.ex. NGB eller CJE.",
    )

    def period(value: str) -> str | None:
        if value.lower() in FONSTER:
            return value.lower()
        manad = _manad(value)
        if manad and forsta is not None and manad > forsta.strftime("%Y-%m"):
            return None
        return manad

    matperiod = g.kontrollera_varden(
        "matperiod", period, "'{varde}' är ingen mätperiod; använd 30d, 90d, 365d eller en månad ÅÅÅÅ-MM."
    )
    urval_kolumn, urval_varden = URVAL[kalla]
    urval = g.kontrollera_varden(
        urval_kolumn,
        lambda v: v.lower() if v.lower() in urval_varden else None,
        "'{varde}' är inget giltigt värde; använd " + ", ".join(urval_varden) + ".",
    )

    antal_text = g.per_varde("antal_utforda", str.strip)
    undertryckt = antal_text == UNDERTRYCKT
    antal_tom = antal_text == ""
    antal = g.tal("antal_utforda", heltal=True, utom={UNDERTRYCKT})
    stat_kolumner = ["median_vantetid_dagar", "p90_vantetid_dagar", "andel_inom_90_dagar"]
    if kalla == Kalla.SPOR:
        stat_kolumner.append("andel_asa_3_4")
    stats = {
        "median_vantetid_dagar": g.tal("median_vantetid_dagar", heltal=True),
        "p90_vantetid_dagar": g.tal("p90_vantetid_dagar", heltal=True),
        "andel_inom_90_dagar": g.tal("andel_inom_90_dagar", heltal=False, hogst=100),
    }
    if kalla == Kalla.SPOR:
        stats["andel_asa_3_4"] = g.tal("andel_asa_3_4", heltal=False, hogst=100)
    nagon_stat = np.zeros(len(df), dtype=bool)
    for kolumn in stat_kolumner:
        ifylld = g.per_varde(kolumn, lambda v: v.strip() != "", dtype=bool)
        nagon_stat |= ifylld
        g.markera(
            undertryckt & ifylld,
            kolumn,
            "statistik får inte anges när antal_utforda är <5 (färre än 5 ska lämnas tomt).",
        )
    g.markera(
        antal_tom & nagon_stat,
        "antal_utforda",
        "antal saknas men statistik är angiven; ange antal eller <5.",
    )
    g.markera(
        antal_tom & ~nagon_stat,
        "antal_utforda",
        "antal saknas; ange antal eller <5.",
    )
    dubblett = _dubbletter(g, ["vardenhet_hsaid", "region_kod", "kva_grupp", "matperiod", urval_kolumn])
    if dubblett.any():
        g.markera(
            dubblett,
            "vardenhet_hsaid",
            "dubblett: samma vårdenhet, region, KVÅ-grupp, mätperiod och urval finns på en tidigare rad.",
        )
    g.resultat()
    ren = pd.DataFrame(
        {
            "region_kod": region,
            "hsa_id": hsa,
            "namn": pd.Series(g.per_varde("vardenhet_namn", str.strip), index=df.index),
            "kva": kva,
            "matperiod": matperiod,
            "urval": urval,
            "antal": antal.astype("Int64"),
            "undertryckt": pd.Series(undertryckt, index=df.index),
            "median": stats["median_vantetid_dagar"].astype("Int64"),
            "p90": stats["p90_vantetid_dagar"].astype("Int64"),
            "andel_inom_90": stats["andel_inom_90_dagar"].astype("Float64"),
            "andel_asa_3_4": stats["andel_asa_3_4"].astype("Float64")
            if "andel_asa_3_4" in stats
            else pd.Series(pd.NA, index=df.index, dtype="Float64"),
        }
    )
    return ren, forsta


def granska_vantetider(df: pd.DataFrame, regionkoder: set[str]) -> pd.DataFrame:
    """Väntetidsdatabasen: returns a clean frame or raises FilAvvisad with every error."""
    kontrollera_kolumner(df, Kalla.VANTETIDER)
    g = _Granskare(df)
    manad = g.kontrollera_varden("manad", _manad, "'{varde}' är ingen månad (ÅÅÅÅ-MM).")
    region = g.kontrollera_varden("region_kod", _region(regionkoder), "'{varde}' är ingen känd regionkod.")
    typ = g.kontrollera_varden(
        "typ",
        lambda v: v.lower() if v.lower() in {"besok", "atgard"} else None,
        "'{varde}': använd besok eller atgard.",
    )
    omrade = df["vardomrade"].str.strip()
    g.markera(omrade == "", "vardomrade", "vårdområde saknas (t.ex. Ögonsjukvård eller Alla).")
    tal = {}
    for kolumn in KOLUMNER[Kalla.VANTETIDER][4:]:
        num = g.tal(kolumn, heltal=True)
        g.markera(df[kolumn].str.strip() == "", kolumn, "värde saknas.")
        tal[kolumn] = num
    g.markera(
        tal["antal_vantande_over_90"] > tal["antal_vantande"],
        "antal_vantande_over_90",
        "'{varde}' är fler än antal_vantande.",
    )
    nyckel = pd.DataFrame({"m": manad, "r": region, "t": typ, "o": omrade})
    g.markera(
        nyckel.duplicated(keep="first"),
        "vardomrade",
        "dubblett: samma månad, region, typ och vårdområde finns på en tidigare rad.",
    )
    g.resultat()
    return pd.DataFrame(
        {"manad": manad, "region_kod": region, "typ": typ, "vardomrade": omrade}
        | {k: v.astype("int64") for k, v in tal.items()}
    )
