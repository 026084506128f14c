"""Agreement file importer (shared/formats/KATALOG_AVTAL.md), built on the kernel's importer framework.

Rules: the file is checked as a file first (vardformedling.importering.vakt: size, type by content, XLSX bombs),
then EVERY row is validated (errors "rad N, kolumn X: …", N = the file's line, header = line 1) before anything is
written. Rows with the same owner and `avtal_id` form one agreement: its agreement-level columns must agree on every
row; line-level columns (`kva_grupp`, `pris_kr`, `ersattningsmodell`, `takvolym`, `villkor`) belong to each line.
A valid file is planned and previewed (avtal.tillampning) and applied in one short atomic write.
"""

import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from stdnum.se import orgnr as se_orgnr

from avtal.models import Avtalstyp
from katalog.models import Vardenhet, Vardgivare
from vardformedling.importering import vakt
from vardformedling.importering.kolumner import Granskning, Rad, citat
from vardformedling.importering.lasning import las
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
# Columns that belong to the agreement: every row of the same agreement must agree on them. The format lists
# `vardenhet_hsaid` among the line-level columns, but an agreement's units are still one set here (see README:
# units per line need the agreement-covers-unit rule to look at lines); a difference is named as an error.
AVTALSNIVA = [
    "vardgivare_orgnr",
    "vardenhet_hsaid",
    "avtalstyp",
    "giltig_fran",
    "giltig_till",
    "forlangning_till",
    "far_nyttjas_av",
    "kontakt",
]
RADNIVA = ["kva_grupp", "pris_kr", "ersattningsmodell", "takvolym", "villkor"]
STOR_FIL_RADER = 2000
MAX_TAKVOLYM = 2_000_000_000
KVA_RE = re.compile(r"[A-ZÅÄÖ0-9]{3}")  # as the register importer; str.isalnum() took any script's letters and digits

FALTNAMN = {
    "vardgivare": "Vårdgivare",
    "vardenheter": "Vårdenheter",
    "avtalstyp": "Avtalstyp",
    "giltig_fran": "Giltigt från",
    "giltig_till": "Giltigt till",
    "forlangning_till": "Kan förlängas till",
    "far_nyttjas_av": "Får nyttjas av",
    "kontakt": "Kontakt",
    "pris_kr": "pris (kr)",
    "ersattningsmodell": "ersättningsmodell",
    "takvolym": "takvolym",
    "villkor": "villkor",
}

FEL_ORGNR = "”{varde}” är inte ett giltigt organisationsnummer (NNNNNN-NNNN)."
FEL_OKAND_VARDGIVARE = "ingen vårdgivare med organisationsnummer {orgnr} finns i katalogen."
FEL_OKAND_ENHET = "okänd vårdenhet {hsa}."
FEL_ANNAN_VARDGIVARE = "vårdenheten {hsa} tillhör inte vårdgivaren med organisationsnummer {orgnr}."
FEL_FLERA_VARDGIVARE = "flera vårdgivare har organisationsnummer {orgnr}; ange vilka vårdenheter avtalet gäller."
FEL_OLIKA_VARDGIVARE = "vårdenheterna tillhör olika vårdgivare."
FEL_REGION = "okänd regionkod ”{varde}”."
FEL_FAR_NYTTJAS = "okänd regionkod {koder} (ange ”alla”, tomt eller koder med |)."
FEL_AVTALSTYP = "”{varde}” är inte en avtalstyp; tillåtna: {tillatna}."
FEL_DATUMORDNING = "{till} är före {fore} {fran}."
FEL_KVA = "”{varde}” är inte en KVÅ-grupp (tre tecken, t.ex. CJE)."
FEL_PRIS = "”{varde}” är inte ett belopp (använd decimalkomma, t.ex. 12500,50)."
FEL_PRIS_GRANS = "”{varde}” måste vara ett belopp ≥ 0."
FEL_TAKVOLYM = "”{varde}” måste vara ett heltal ≥ 0 (tomt = inget tak)."
FEL_OLIKA_PA_RADER = "”{varde}” skiljer sig från rad {forsta} (”{forsta_varde}”) för samma avtal {avtal_id}."
FEL_ENHETER_PER_RAD = (
    " Vårdenheter per vårdtjänst stöds inte ännu: ange samma vårdenheter på alla rader i ett avtal, eller dela upp "
    "avtalet."
)
FEL_DUBBEL_RAD = "KVÅ-gruppen {kva} finns redan på rad {forsta} för avtal {avtal_id}."


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
    kontakt: str = ""
    rader: dict[str, dict] = field(default_factory=dict)

    @property
    def nyckel(self) -> tuple[str, str]:
        return (self.agare, self.avtal_id)


@dataclass
class Analys:
    avtal: dict[tuple[str, str], AvtalData]
    antal_rader: int


def rader_i_fil(innehall: bytes, typ: str) -> int:
    """A cheap row estimate used to decide whether to validate in the background."""
    if typ == vakt.CSV:
        return max(innehall.count(b"\n") - 1, 0)
    try:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(innehall), read_only=True)
        n = wb.worksheets[0].max_row or 0
        wb.close()
        return max(n - 1, 0)
    except Exception:  # the real parse reports the problem
        return 0


@functools.lru_cache(maxsize=8192)  # a file repeats a few providers' numbers on thousands of lines
def _orgnr_format(varde: str) -> str | None:
    if not se_orgnr.is_valid(varde):
        return None
    return se_orgnr.format(varde)


@dataclass
class _Katalogdata:
    """What the rows are checked against: regions, the file's providers and units (a fixed handful of queries)."""

    regioner: set[str]
    vardgivare_per_orgnr: dict[str, list[Vardgivare]]
    enheter: dict[str, Vardenhet]


def _katalogdata(poster) -> _Katalogdata:
    orgnr_i_fil = {o for p in poster if (o := _orgnr_format(p["vardgivare_orgnr"]))}
    kompakta = {o.replace("-", "") for o in orgnr_i_fil}
    per_orgnr: dict[str, list[Vardgivare]] = {}
    for vg in Vardgivare.objects.filter(orgnr__in=orgnr_i_fil | kompakta):
        per_orgnr.setdefault(_orgnr_format(vg.orgnr) or vg.orgnr, []).append(vg)
    hsa_i_fil = {h.strip() for p in poster for h in p["vardenhet_hsaid"].split("|") if h.strip()}
    return _Katalogdata(
        regioner=set(Region.objects.values_list("kod", flat=True)),
        vardgivare_per_orgnr=per_orgnr,
        enheter={e.hsa_id: e for e in Vardenhet.objects.filter(hsa_id__in=hsa_i_fil)},
    )


def _vardgivare(r: Rad, data: AvtalData, k: _Katalogdata) -> None:
    """The provider by organisation number, narrowed by the units when several providers share it."""
    orgnr = _orgnr_format(r.text("vardgivare_orgnr", kravd=True))
    kandidater: list[Vardgivare] = []
    if r.post["vardgivare_orgnr"] and orgnr is None:
        r.fel("vardgivare_orgnr", FEL_ORGNR)
    elif orgnr:
        kandidater = k.vardgivare_per_orgnr.get(orgnr, [])
        if not kandidater:
            r.fel("vardgivare_orgnr", FEL_OKAND_VARDGIVARE, orgnr=orgnr)
    hsa_lista = [h.strip() for h in r.post["vardenhet_hsaid"].split("|") if h.strip()]
    enhet_vg: set[int | None] = set()
    for hsa in hsa_lista:
        enhet = k.enheter.get(hsa)
        if enhet is None:
            r.fel("vardenhet_hsaid", FEL_OKAND_ENHET, hsa=hsa)
        elif kandidater and enhet.vardgivare_id not in {vg.id for vg in kandidater}:
            r.fel("vardenhet_hsaid", FEL_ANNAN_VARDGIVARE, hsa=hsa, orgnr=orgnr)
        else:
            data.enheter[enhet.id] = hsa
            enhet_vg.add(enhet.vardgivare_id)
    if kandidater:
        valda = [vg for vg in kandidater if vg.id in enhet_vg] if enhet_vg else kandidater
        if len(valda) == 1:
            data.vardgivare_id, data.vardgivare_namn = valda[0].id, valda[0].namn
        elif len(valda) > 1 and not hsa_lista:
            r.fel("vardenhet_hsaid", FEL_FLERA_VARDGIVARE, orgnr=orgnr)
        elif len(valda) > 1:
            r.fel("vardenhet_hsaid", FEL_OLIKA_VARDGIVARE)


def _avtal(r: Rad, k: _Katalogdata) -> tuple[AvtalData, str, dict]:
    """One row's checks: the agreement it belongs to, its KVÅ group and its line values."""
    for kolumn in ("avtal_id", "kontakt", "ersattningsmodell"):
        r.text(kolumn, fritext=True)
    avtal_id = r.text("avtal_id", kravd=True, max_langd=64)
    agare = Region.normalise_kod(r.text("avtalsagare_region_kod", kravd=True))
    if agare and agare not in k.regioner:
        r.fel("avtalsagare_region_kod", FEL_REGION)
    data = AvtalData(agare=agare, avtal_id=avtal_id, forsta_rad=r.nr)
    _vardgivare(r, data, k)
    data.avtalstyp = r.val("avtalstyp", sorted(Avtalstyp.values), FEL_AVTALSTYP, kravd=True)
    data.giltig_fran = r.datum("giltig_fran", kravd=True)
    data.giltig_till = r.datum("giltig_till", kravd=True)
    data.forlangning_till = r.datum("forlangning_till")
    if data.giltig_fran and data.giltig_till and data.giltig_till < data.giltig_fran:
        r.fel("giltig_till", FEL_DATUMORDNING, till=data.giltig_till, fore="giltig_fran", fran=data.giltig_fran)
    if data.forlangning_till and data.giltig_till and data.forlangning_till < data.giltig_till:
        r.fel(
            "forlangning_till", FEL_DATUMORDNING, till=data.forlangning_till, fore="giltig_till", fran=data.giltig_till
        )
    far = r.post["far_nyttjas_av"]
    if far.lower() == "alla":
        data.far_alla = True
    elif far:
        koder = sorted({Region.normalise_kod(x) for x in far.split("|") if x.strip()})
        if okanda := [x for x in koder if x not in k.regioner]:
            r.fel("far_nyttjas_av", FEL_FAR_NYTTJAS, koder=", ".join(okanda))
        data.far_regioner = [x for x in koder if x != agare]
    data.kontakt = r.text("kontakt", max_langd=200)

    kva = r.monster("kva_grupp", KVA_RE, FEL_KVA, kravd=True)
    rad = {
        "pris_kr": None,
        "ersattningsmodell": r.text("ersattningsmodell", max_langd=100),
        "takvolym": r.heltal("takvolym", minst=0, hogst=MAX_TAKVOLYM, meddelande=FEL_TAKVOLYM),
        "villkor": r.text("villkor", fritext=True, radbrytning=True),  # terms may span lines
    }
    pris = r.decimal("pris_kr", FEL_PRIS)
    if pris is not None:
        if pris < 0 or pris >= Decimal("1e10"):
            r.fel("pris_kr", FEL_PRIS_GRANS)
        else:
            rad["pris_kr"] = pris.quantize(Decimal("0.01"))
    return data, kva, rad


def analysera(innehall: bytes, typ: str, *, progress: Callable[[int], None] | None = None) -> Analys:
    """Read the file and validate every row; returns the normalised agreements or raises FilAvvisad with every
    error (vardformedling.importering)."""
    tabell = las(innehall, typ, kravda=KRAVDA, valfria=VALFRIA)
    k = _katalogdata(tabell.poster)
    g = Granskning()
    avtal: dict[tuple[str, str], AvtalData] = {}
    forsta: dict[tuple[str, str], Rad] = {}
    for i, post in enumerate(tabell.poster):
        if progress and i % 500 == 0:
            progress(int(60 * i / len(tabell)))
        r = g.rad(post)
        data, kva, rad = _avtal(r, k)
        if not r.ok:
            continue
        if (tidigare := forsta.get(data.nyckel)) is None:
            forsta[data.nyckel], avtal[data.nyckel] = r, data
            data.rader[kva] = {**rad, "rad": r.nr}
            continue
        for kolumn in AVTALSNIVA:
            if _jamforbar(kolumn, post[kolumn]) != _jamforbar(kolumn, tidigare.post[kolumn]):
                meddelande = FEL_OLIKA_PA_RADER + (FEL_ENHETER_PER_RAD if kolumn == "vardenhet_hsaid" else "")
                forsta_varde = citat(tidigare.post[kolumn])
                r.fel(kolumn, meddelande, forsta=tidigare.nr, forsta_varde=forsta_varde, avtal_id=data.avtal_id)
        befintligt = avtal[data.nyckel]
        if kva in befintligt.rader:
            r.fel("kva_grupp", FEL_DUBBEL_RAD, kva=kva, forsta=befintligt.rader[kva]["rad"], avtal_id=data.avtal_id)
        elif r.ok:
            befintligt.rader[kva] = {**rad, "rad": r.nr}
    if progress:
        progress(60)
    g.resultat()
    return Analys(avtal=avtal, antal_rader=len(tabell))


def _jamforbar(kolumn: str, varde: str):
    """Agreement-level values compared as meaning, not spelling (order of codes, case, date format)."""
    v = varde.strip()
    if kolumn in {"vardenhet_hsaid", "far_nyttjas_av"}:
        return tuple(sorted(Region.normalise_kod(x.strip()).lower() for x in v.split("|") if x.strip()))
    if kolumn == "vardgivare_orgnr":
        return v.replace("-", "")
    if kolumn == "avtalstyp":
        return v.lower()
    return v
