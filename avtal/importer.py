"""Agreement file importer (shared/formats/KATALOG_AVTAL.md).

Rules: the file is checked as a file first (size, type by content, XLSX bombs), then EVERY row is validated
(errors "rad N, kolumn X: …", N = line in the file, header = line 1) before anything is written. A valid file
gives a preview (new / changed field by field / unchanged / agreements of the owner missing from the file) and
is applied in one short atomic write with bulk operations. Volume reservations are never touched, so used
volume survives every upload; lines that carry reservations are never deleted.
"""

import functools
import io
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import pandas as pd
from django.conf import settings
from stdnum.se import orgnr as se_orgnr

from avtal.models import Avtalstyp
from katalog.models import Vardenhet, Vardgivare
from vardformedling.indata import fel_styrtecken, utan_styrtecken
from vardformedling.models import Region

KRAVDA = [
    "avtal_id",
    "avtalsagare_region_kod",
    "vardgivare_orgnr",
    "avtalstyp",
    "giltig_fran",
    "giltig_till",
    "kva_grupp",
]
VALFRIA = [
    "vardenhet_hsaid",
    "forlangning_till",
    "far_nyttjas_av",
    "pris_kr",
    "ersattningsmodell",
    "takvolym",
    "villkor",
    "kontakt",
]
# Every column in the order of shared/formats/KATALOG_AVTAL.md (used when writing files: demo, tests).
FILKOLUMNER = [
    "avtal_id",
    "avtalsagare_region_kod",
    "vardgivare_orgnr",
    "vardenhet_hsaid",
    "avtalstyp",
    "giltig_fran",
    "giltig_till",
    "forlangning_till",
    "far_nyttjas_av",
    "kva_grupp",
    "pris_kr",
    "ersattningsmodell",
    "takvolym",
    "villkor",
    "kontakt",
]
# Columns that belong to the agreement: every row of the same agreement must agree on them.
AVTALSNIVA = [
    "vardgivare_orgnr",
    "vardenhet_hsaid",
    "avtalstyp",
    "giltig_fran",
    "giltig_till",
    "forlangning_till",
    "far_nyttjas_av",
    "villkor",
    "kontakt",
]
ZIP_MAX_OKOMPRIMERAT = 50 * 1024 * 1024
ZIP_MAX_KVOT = 100
STOR_FIL_RADER = 2000
# Free text: checked for control characters (the other columns must match a pattern, a set or the catalogue)
TEXTKOLUMNER = ["avtal_id", "villkor", "kontakt", "ersattningsmodell"]
KVA_RE = re.compile(r"[A-ZÅÄÖ0-9]{3}")  # as the register importer; str.isalnum() took any script's letters and digits

FALTNAMN = {
    "vardgivare": "Vårdgivare",
    "vardenheter": "Vårdenheter",
    "avtalstyp": "Avtalstyp",
    "giltig_fran": "Giltigt från",
    "giltig_till": "Giltigt till",
    "forlangning_till": "Kan förlängas till",
    "far_nyttjas_av": "Får nyttjas av",
    "villkor": "Villkor",
    "kontakt": "Kontakt",
    "pris_kr": "pris (kr)",
    "ersattningsmodell": "ersättningsmodell",
    "takvolym": "takvolym",
}

logger = logging.getLogger(__name__)


class FilFel(Exception):
    """The file as a whole is unusable (size, type, bomb, unreadable, missing columns)."""

    def __init__(self, fel: list[str]):
        super().__init__("; ".join(fel))
        self.fel = fel


@dataclass
class AvtalData:
    """One agreement as the file describes it, normalised; `rader` maps KVÅ → line values."""

    agare: str
    avtal_id: str
    forsta_rad: int
    vardgivare_id: int = 0
    vardgivare_namn: str = ""
    enheter: dict[int, str] = field(default_factory=dict)  # id → HSA-id
    avtalstyp: str = ""
    giltig_fran: date | None = None
    giltig_till: date | None = None
    forlangning_till: date | None = None
    far_alla: bool = False
    far_regioner: list[str] = field(default_factory=list)
    villkor: str = ""
    kontakt: str = ""
    rader: dict[str, dict] = field(default_factory=dict)

    @property
    def nyckel(self) -> tuple[str, str]:
        return (self.agare, self.avtal_id)


@dataclass
class Analys:
    fel: list[str]
    avtal: dict[tuple[str, str], AvtalData]
    antal_rader: int


# --- The file as a file ---------------------------------------------------------------------------------


def filtyp(innehall: bytes) -> str:
    """'xlsx' or 'csv', decided by content (never by the extension); raises FilFel for anything else."""
    max_bytes = settings.UPLOAD_MAX_BYTES
    if len(innehall) > max_bytes:
        raise FilFel(
            [
                f"Filen är för stor ({len(innehall) / 1_048_576:.1f} MB). "
                f"Största tillåtna storlek är {max_bytes / 1_048_576:.0f} MB."
            ]
        )
    if not innehall.strip():
        raise FilFel(["Filen är tom."])
    if innehall.startswith(b"PK\x03\x04"):
        _kontrollera_zip(innehall)
        return "xlsx"
    if b"\x00" in innehall:
        raise FilFel(["Filen är varken en CSV-fil (UTF-8-text) eller en XLSX-fil. Spara som CSV (UTF-8) eller XLSX."])
    try:
        innehall.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FilFel(["Filen är inte UTF-8-kodad text. Spara den som ”CSV UTF-8” eller som XLSX."]) from None
    return "csv"


def _kontrollera_zip(innehall: bytes) -> None:
    """An XLSX is a zip: refuse bombs before openpyxl inflates anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(innehall)) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise FilFel(["Filen ser ut som XLSX men är trasig eller inte en Excel-fil."]) from None
    okomprimerat = sum(i.file_size for i in infos)
    komprimerat = max(sum(i.compress_size for i in infos), 1)
    if okomprimerat > ZIP_MAX_OKOMPRIMERAT or okomprimerat / komprimerat > ZIP_MAX_KVOT:
        raise FilFel(
            [
                "XLSX-filen packas upp till orimligt mycket data och har avvisats av säkerhetsskäl "
                f"({okomprimerat / 1_048_576:.0f} MB uppackat). Kontrollera filen och försök igen."
            ]
        )
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise FilFel(["Filen är en zip-fil men inte en XLSX-arbetsbok."])


FEL_CSV_OLASBAR = (
    "Filen kunde inte läsas som CSV. Kontrollera att den har semikolon som avgränsare, en rubrikrad och "
    "lika många fält på varje rad (citattecken måste stängas)."
)
FEL_XLSX_OLASBAR = "Excel-filen kunde inte läsas: den är skadad eller innehåller ingen arbetsbok i XLSX-format."


def las_tabell(innehall: bytes, typ: str) -> pd.DataFrame:
    """All cells as stripped strings, column names lower-case; raises FilFel when unreadable."""
    try:
        if typ == "xlsx":
            df = pd.read_excel(io.BytesIO(innehall), sheet_name=0, dtype=str, engine="openpyxl", keep_default_na=False)
        else:
            df = pd.read_csv(
                io.BytesIO(innehall), sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig", quotechar='"'
            )
    except Exception as exc:  # any parser failure is a user-facing "unreadable file"; details go to the log
        logger.info("Avtalsfil kunde inte tolkas som %s: %r", typ, exc)
        raise FilFel([FEL_XLSX_OLASBAR if typ == "xlsx" else FEL_CSV_OLASBAR]) from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    saknas = [k for k in KRAVDA if k not in df.columns]
    if saknas:
        raise FilFel([f"rad 1, kolumn {k}: obligatorisk kolumn saknas" for k in saknas])
    for k in VALFRIA:
        if k not in df.columns:
            df[k] = ""
    df = df[KRAVDA + VALFRIA].fillna("")
    return df.apply(lambda s: s.astype(str).str.strip())


def rader_i_fil(innehall: bytes, typ: str) -> int:
    """A cheap row estimate used to decide whether to validate in the background."""
    if typ == "csv":
        return max(innehall.count(b"\n") - 1, 0)
    try:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(innehall), read_only=True)
        n = wb.worksheets[0].max_row or 0
        wb.close()
        return max(n - 1, 0)
    except Exception:  # the real parse reports the problem
        return 0


# --- Cell parsers: return (value, error message or None) -------------------------------------------------


def _datum(varde: str) -> date:
    text = varde.strip()
    if len(text) > 10 and text[10:].strip() in {"00:00:00", "T00:00:00"}:
        text = text[:10]  # XLSX date cells read as text
    return date.fromisoformat(text) if len(text) == 10 else date.fromisoformat("x")


def _decimal(varde: str) -> Decimal:
    text = varde.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    return Decimal(text)


@functools.lru_cache(maxsize=8192)  # a file repeats a few providers' numbers on thousands of lines
def _orgnr_format(varde: str) -> str | None:
    if not se_orgnr.is_valid(varde):
        return None
    return se_orgnr.format(varde)


# --- Row validation ---------------------------------------------------------------------------------------


def analysera(innehall: bytes, *, progress: Callable[[int], None] | None = None) -> Analys:
    """Check the file and validate every row; returns the normalised agreements or the full error list."""
    typ = filtyp(innehall)
    df = las_tabell(innehall, typ)
    records = df.to_dict("records")
    fel: list[str] = []
    if not records:
        return Analys(fel=["Filen innehåller inga avtalsrader (bara rubrikraden)."], avtal={}, antal_rader=0)

    regioner = set(Region.objects.values_list("kod", flat=True))
    orgnr_i_fil = {o for r in records if (o := _orgnr_format(r["vardgivare_orgnr"]))}
    vardgivare_per_orgnr: dict[str, list[Vardgivare]] = {}
    kompakta = {o.replace("-", "") for o in orgnr_i_fil}
    for vg in Vardgivare.objects.filter(orgnr__in=orgnr_i_fil | kompakta):
        vardgivare_per_orgnr.setdefault(_orgnr_format(vg.orgnr) or vg.orgnr, []).append(vg)
    hsa_i_fil = {h.strip() for r in records for h in r["vardenhet_hsaid"].split("|") if h.strip()}
    enheter = {e.hsa_id: e for e in Vardenhet.objects.filter(hsa_id__in=hsa_i_fil)}
    typer = set(Avtalstyp.values)

    avtal: dict[tuple[str, str], AvtalData] = {}
    forsta_varden: dict[tuple[str, str], tuple[int, dict]] = {}
    for i, r in enumerate(records):
        n = i + 2
        if progress and i % 500 == 0:
            progress(int(60 * i / len(records)))
        radfel: list[str] = []

        def fel_i(kolumn: str, text: str, n=n, radfel=radfel) -> None:
            radfel.append(f"rad {n}, kolumn {kolumn}: {text}")

        for kolumn in TEXTKOLUMNER:
            if text := fel_styrtecken(r[kolumn], radbrytning=kolumn == "villkor"):  # terms may span lines
                fel_i(kolumn, text)
        avtal_id = r["avtal_id"]
        if not avtal_id:
            fel_i("avtal_id", "värde saknas")
        elif len(avtal_id) > 64:
            fel_i("avtal_id", "får vara högst 64 tecken")
        agare = Region.normalise_kod(r["avtalsagare_region_kod"])
        if not agare:
            fel_i("avtalsagare_region_kod", "värde saknas")
        elif agare not in regioner:
            fel_i("avtalsagare_region_kod", f"okänd regionkod ”{agare}”")
        data = AvtalData(agare=agare, avtal_id=avtal_id, forsta_rad=n)

        orgnr = _orgnr_format(r["vardgivare_orgnr"])
        kandidater: list[Vardgivare] = []
        if not r["vardgivare_orgnr"]:
            fel_i("vardgivare_orgnr", "värde saknas")
        elif orgnr is None:
            fel_i(
                "vardgivare_orgnr", f"”{r['vardgivare_orgnr']}” är inte ett giltigt organisationsnummer (NNNNNN-NNNN)"
            )
        else:
            kandidater = vardgivare_per_orgnr.get(orgnr, [])
            if not kandidater:
                fel_i("vardgivare_orgnr", f"ingen vårdgivare med organisationsnummer {orgnr} finns i katalogen")

        hsa_lista = [h.strip() for h in r["vardenhet_hsaid"].split("|") if h.strip()]
        enhet_vg: set[int] = set()
        for hsa in hsa_lista:
            enhet = enheter.get(hsa)
            if enhet is None:
                fel_i("vardenhet_hsaid", f"okänd vårdenhet {hsa}")
            elif kandidater and enhet.vardgivare_id not in {vg.id for vg in kandidater}:
                fel_i("vardenhet_hsaid", f"vårdenheten {hsa} tillhör inte vårdgivaren med organisationsnummer {orgnr}")
            else:
                data.enheter[enhet.id] = hsa
                enhet_vg.add(enhet.vardgivare_id)
        if kandidater:
            valda = [vg for vg in kandidater if vg.id in enhet_vg] if enhet_vg else kandidater
            if len(valda) == 1:
                data.vardgivare_id, data.vardgivare_namn = valda[0].id, valda[0].namn
            elif len(valda) > 1 and not hsa_lista:
                fel_i(
                    "vardenhet_hsaid",
                    f"flera vårdgivare har organisationsnummer {orgnr}; ange vilka vårdenheter avtalet gäller",
                )
            elif len(valda) > 1:
                fel_i("vardenhet_hsaid", "vårdenheterna tillhör olika vårdgivare")

        typ_varde = r["avtalstyp"].lower()
        if typ_varde not in typer:
            fel_i("avtalstyp", f"”{r['avtalstyp']}” är inte en avtalstyp; tillåtna: {', '.join(sorted(typer))}")
        data.avtalstyp = typ_varde

        for kolumn in ("giltig_fran", "giltig_till", "forlangning_till"):
            varde = r[kolumn]
            if not varde:
                if kolumn != "forlangning_till":
                    fel_i(kolumn, "värde saknas")
                continue
            try:
                setattr(data, kolumn, _datum(varde))
            except ValueError:
                fel_i(kolumn, f"”{varde}” är inte ett datum (ÅÅÅÅ-MM-DD)")
        if data.giltig_fran and data.giltig_till and data.giltig_till < data.giltig_fran:
            fel_i("giltig_till", f"{data.giltig_till} är före giltig_fran {data.giltig_fran}")
        if data.forlangning_till and data.giltig_till and data.forlangning_till < data.giltig_till:
            fel_i("forlangning_till", f"{data.forlangning_till} är före giltig_till {data.giltig_till}")

        far = r["far_nyttjas_av"].strip()
        if far.lower() == "alla":
            data.far_alla = True
        elif far:
            koder = sorted({Region.normalise_kod(k) for k in far.split("|") if k.strip()})
            okanda = [k for k in koder if k not in regioner]
            if okanda:
                fel_i("far_nyttjas_av", f"okänd regionkod {', '.join(okanda)} (ange ”alla”, tomt eller koder med |)")
            data.far_regioner = [k for k in koder if k != agare]

        data.villkor = r["villkor"]
        data.kontakt = r["kontakt"]
        if len(data.kontakt) > 200:
            fel_i("kontakt", "får vara högst 200 tecken")

        kva = r["kva_grupp"].upper()
        if not kva:
            fel_i("kva_grupp", "värde saknas")
        elif not KVA_RE.fullmatch(kva):
            fel_i("kva_grupp", f"”{r['kva_grupp']}” är inte en KVÅ-grupp (tre tecken, t.ex. CJE)")
        rad = {"pris_kr": None, "ersattningsmodell": r["ersattningsmodell"], "takvolym": None}
        if len(rad["ersattningsmodell"]) > 100:
            fel_i("ersattningsmodell", "får vara högst 100 tecken")
        if r["pris_kr"]:
            try:
                pris = _decimal(r["pris_kr"])
                if pris < 0 or not pris.is_finite() or pris >= Decimal("1e10"):
                    fel_i("pris_kr", f"”{r['pris_kr']}” måste vara ett belopp ≥ 0")
                else:
                    rad["pris_kr"] = pris.quantize(Decimal("0.01"))
            except InvalidOperation:
                fel_i("pris_kr", f"”{r['pris_kr']}” är inte ett belopp (använd decimalkomma, t.ex. 12500,50)")
        if r["takvolym"]:
            try:
                tak = _decimal(r["takvolym"])
                if not tak.is_finite() or tak < 0 or tak != tak.to_integral_value() or tak > 2_000_000_000:
                    raise InvalidOperation
                rad["takvolym"] = int(tak)
            except InvalidOperation:
                fel_i("takvolym", f"”{r['takvolym']}” måste vara ett heltal ≥ 0 (tomt = inget tak)")

        if radfel:
            fel.extend(radfel)
            continue
        nyckel = data.nyckel
        if nyckel in forsta_varden:
            forsta_n, forsta = forsta_varden[nyckel]
            for kolumn in AVTALSNIVA:
                if _jamforbar(kolumn, r[kolumn]) != _jamforbar(kolumn, forsta[kolumn]):
                    fel.append(
                        f"rad {n}, kolumn {kolumn}: ”{r[kolumn]}” skiljer sig från rad {forsta_n} "
                        f"(”{forsta[kolumn]}”) för samma avtal {avtal_id}"
                    )
            befintligt = avtal[nyckel]
            if kva in befintligt.rader:
                fel.append(
                    f"rad {n}, kolumn kva_grupp: KVÅ-gruppen {kva} finns redan på rad "
                    f"{befintligt.rader[kva]['rad']} för avtal {avtal_id}"
                )
                continue
            befintligt.rader[kva] = {**rad, "rad": n}
        else:
            forsta_varden[nyckel] = (n, r)
            data.rader[kva] = {**rad, "rad": n}
            avtal[nyckel] = data
    if progress:
        progress(60)
    fel = [utan_styrtecken(f) for f in fel]  # a quoted value may hold a control character
    return Analys(fel=fel, avtal={} if fel else avtal, antal_rader=len(records))


def _jamforbar(kolumn: str, varde: str):
    """Agreement-level values compared as meaning, not spelling (order of codes, case, date format)."""
    v = varde.strip()
    if kolumn in {"vardenhet_hsaid", "far_nyttjas_av"}:
        return tuple(sorted(Region.normalise_kod(x.strip()).lower() for x in v.split("|") if x.strip()))
    if kolumn == "vardgivare_orgnr":
        return v.replace("-", "")
    if kolumn == "avtalstyp":
        return v.lower()
    if kolumn in {"giltig_fran", "giltig_till", "forlangning_till"}:
        try:
            return _datum(v) if v else None
        except ValueError:
            return v
    return v
