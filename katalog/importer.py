"""Catalogue extract importer (shared/formats/KATALOG_AVTAL.md), built on the kernel's importer framework.

The rule: check the file (vardformedling.importering.vakt), read it, validate EVERY row (errors "rad N, kolumn X: …",
N = the file's line with the header as line 1), then plan and apply it (katalog.tillampning: new, changed field by
field, unchanged, units to be deactivated, and the deactivation guard) in one short atomic write. Units first seen in
register files (kalla=register) are linked to their provider. The same file twice changes nothing. `KATALOG` is the
catalogue's `Importor` for the kernel's preview/apply protocol (vardformedling.importering.forhandsvisning).
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from stdnum.se import orgnr as stdnum_orgnr

from katalog.models import Agarform, KatalogImport
from katalog.tillampning import Rad, kontrollera_inaktivering, planera, tillampa
from vardformedling.hsa import HSA_RE
from vardformedling.importering import forhandsvisning
from vardformedling.importering.fel import FilAvvisad
from vardformedling.importering.kolumner import Granskning, citat
from vardformedling.importering.lasning import las
from vardformedling.models import Region
from vardformedling.personnummer import maskera_i_text

REQUIRED = [
    "vardgivare_hsaid",
    "vardgivare_orgnr",
    "vardgivare_namn",
    "agarform",
    "vardenhet_hsaid",
    "vardenhet_namn",
    "region_kod",
]
OPTIONAL = [
    "kommun",
    "adress",
    "postnummer",
    "ort",
    "lat",
    "lon",
    "telefon",
    "epost",
    "vardutbud",
    "tar_emot_asa",
    "narkos",
    "reoperation_2ar",
]
MAX_LENGTH = {
    "vardgivare_hsaid": 64,
    "vardgivare_namn": 200,
    "vardenhet_hsaid": 64,
    "vardenhet_namn": 200,
    "kommun": 100,
    "adress": 200,
    "postnummer": 10,
    "ort": 100,
    "telefon": 50,
    "epost": 200,
}
ORGNR_RE = re.compile(r"[0-9]{6}-[0-9]{4}")
KVA_RE = re.compile(r"[A-Z0-9]{3}")
# Free text: checked for control characters (the other columns must match a pattern or a set of values)
TEXTKOLUMNER = ["vardgivare_namn", "vardenhet_namn", "kommun", "adress", "postnummer", "ort", "telefon"]
LAT_RANGE = (55.0, 69.1)
LON_RANGE = (10.9, 24.2)
DEFAULT_ASA = 2  # the model default: a unit that states nothing takes ASA 1–2

FEL_HSA = "”{varde}” är inget giltigt HSA-id (format SE + 10 siffror, bindestreck, tecken)."
FEL_ORGNR_FORMAT = "”{varde}” ska skrivas NNNNNN-NNNN."
FEL_ORGNR_KONTROLL = "organisationsnumret ”{varde}” har fel kontrollsiffra."
FEL_AGARFORM = "”{varde}” ska vara offentlig, privat eller ideburen."
FEL_REGION = "okänd regionkod ”{varde}”."
FEL_TAL = "”{varde}” är inget tal."
FEL_KOORDINAT = "{varde} ligger utanför Sverige ({min}–{max})."
FEL_KOORDINATPAR = "ange både lat och lon, eller ingen av dem."
FEL_ASA = "”{varde}” ska vara en ASA-klass 1–4."
FEL_NARKOS = "”{varde}” ska vara ja eller nej."
FEL_KVA = "”{kod}” är ingen KVÅ-grupp (tre tecken, t.ex. CJE)."
FEL_KVALITET = "”{del_}” ska vara KVÅ-grupp:andel i procent (0–100), t.ex. CJE:1,2."
FEL_KVALITET_GRUPP = "{kod} finns inte i enhetens vardutbud."
FEL_EPOST = "”{varde}” är ingen giltig e-postadress."
FEL_DUBBLETT = "vårdenheten {varde} finns redan på rad {forsta}."
FEL_VARDGIVARE_OLIKA = "”{varde}” skiljer sig från rad {forsta} för samma vårdgivare ({hsa})."
KLAR = "Katalogen är inläst: {nya} nya, {andrade} ändrade, {oforandrade} oförändrade, {inaktiverade} inaktiverade."
REDAN_INLAST = "Filen är redan inläst ({tid}); inget ändrades."
AVVISAD = "Filen avvisades: {antal} fel. Inget ändrades."


@dataclass
class Resultat:
    status: str
    meddelande: str
    fel: list[str] = field(default_factory=list)
    nya: int = 0
    andrade: int = 0
    oforandrade: int = 0
    inaktiverade: int = 0
    import_rad: KatalogImport | None = None

    @property
    def ok(self) -> bool:
        return self.status not in {KatalogImport.Status.AVVISAD}


# --- Validation --------------------------------------------------------------------------------------------


def _number(value: str) -> float:
    return float(value.replace(",", ".").replace(" ", ""))


def _rad(r, regions: set[str], seen_units: dict, providers: dict) -> Rad | None:
    """One record's checks; the row (normalised) when it has no error."""
    for kol in REQUIRED:
        r.text(kol, kravd=True)
    for kol, max_len in MAX_LENGTH.items():
        r.text(kol, max_langd=max_len)
    for kol in TEXTKOLUMNER:
        r.text(kol, fritext=True)
    vg_hsa = r.monster("vardgivare_hsaid", HSA_RE, FEL_HSA)
    hsa = r.monster("vardenhet_hsaid", HSA_RE, FEL_HSA)
    orgnr = r.post["vardgivare_orgnr"]
    if orgnr:
        if not ORGNR_RE.fullmatch(orgnr):
            r.fel("vardgivare_orgnr", FEL_ORGNR_FORMAT)
        elif not stdnum_orgnr.is_valid(orgnr):
            r.fel("vardgivare_orgnr", FEL_ORGNR_KONTROLL)
    agarform = r.val("agarform", Agarform.values, FEL_AGARFORM, normalisera=lambda v: v.lower().replace("é", "e"))
    region = Region.normalise_kod(r.post["region_kod"])
    if r.post["region_kod"] and region not in regions:
        r.fel("region_kod", FEL_REGION)
    coords: dict[str, float | None] = {"lat": None, "lon": None}
    for kol, (lo, hi) in (("lat", LAT_RANGE), ("lon", LON_RANGE)):
        if r.post[kol]:
            try:
                coords[kol] = varde = _number(r.post[kol])
            except ValueError:
                r.fel(kol, FEL_TAL)
                continue
            if not lo <= varde <= hi:
                r.fel(kol, FEL_KOORDINAT, min=lo, max=hi)
    if bool(r.post["lat"]) != bool(r.post["lon"]):
        r.fel("lon" if r.post["lat"] else "lat", FEL_KOORDINATPAR)
    asa = r.val("tar_emot_asa", ["1", "2", "3", "4"], FEL_ASA, normalisera=str.strip)
    narkos = r.val("narkos", ["ja", "nej"], FEL_NARKOS) == "ja"
    utbud: dict[str, tuple[int, bool]] = {}
    for kod in filter(None, (k.strip().upper() for k in r.post["vardutbud"].split("|"))):
        if KVA_RE.fullmatch(kod):
            utbud[kod] = (int(asa) if asa else DEFAULT_ASA, narkos)
        else:
            r.fel("vardutbud", FEL_KVA, kod=kod)
    kvalitet = _kvalitet(r, utbud)
    if r.post["epost"]:
        try:
            validate_email(r.post["epost"])
        except ValidationError:
            r.fel("epost", FEL_EPOST)
    if hsa in seen_units:
        r.fel("vardenhet_hsaid", FEL_DUBBLETT, forsta=seen_units[hsa])
    elif hsa:
        seen_units[hsa] = r.nr
    vardgivare = {"hsa_id": vg_hsa, "orgnr": orgnr, "namn": r.post["vardgivare_namn"], "agarform": agarform}
    if vg_hsa in providers:
        forsta, known = providers[vg_hsa]
        for attr, kol in (("orgnr", "vardgivare_orgnr"), ("namn", "vardgivare_namn"), ("agarform", "agarform")):
            if known[attr] != vardgivare[attr]:
                r.fel(kol, FEL_VARDGIVARE_OLIKA, forsta=forsta, hsa=vg_hsa)
    elif vg_hsa:
        providers[vg_hsa] = (r.nr, vardgivare)
    if not r.ok:
        return None
    p = r.post
    vardenhet = {k: p[k] for k in ("kommun", "adress", "postnummer", "ort", "telefon", "epost")}
    vardenhet |= {"namn": p["vardenhet_namn"], "region_id": region, "lat": coords["lat"], "lon": coords["lon"]}
    return Rad(rad=r.nr, hsa_id=hsa, vardgivare=vardgivare, vardenhet=vardenhet, vardutbud=utbud, kvalitet=kvalitet)


def _kvalitet(r, utbud: dict) -> dict[str, Decimal | None] | None:
    """The quality measure per KVÅ group (issue #19 point 6): "CJE:1,2|CJC:0,8" = percent reoperated within two
    years. An empty cell leaves the unit's figures as they are (None); a filled one is the unit's whole list, so a
    group it does not name loses its figure."""
    text = r.post["reoperation_2ar"].strip()
    if not text:
        return None
    kvalitet: dict[str, Decimal | None] = dict.fromkeys(utbud)
    for del_ in filter(None, (d.strip() for d in text.split("|"))):
        kod, _, tal = (x.strip() for x in del_.partition(":"))
        kod = kod.upper()
        try:
            andel = Decimal(tal.replace(",", "."))
            if not andel.is_finite() or not 0 <= andel <= 100:
                raise InvalidOperation
        except InvalidOperation:
            r.fel("reoperation_2ar", FEL_KVALITET, del_=citat(del_))
            continue
        if kod not in utbud:
            r.fel("reoperation_2ar", FEL_KVALITET_GRUPP, kod=citat(kod))
            continue
        kvalitet[kod] = andel.quantize(Decimal("0.1"))
    return kvalitet


def analysera(data: bytes, typ: str, *, progress: Callable[[int], None] | None = None) -> list[Rad]:
    """Every row checked; returns the rows, or raises FilAvvisad with every error found."""
    tabell = las(data, typ, kravda=REQUIRED, valfria=OPTIONAL)
    regions = set(Region.objects.values_list("kod", flat=True))
    g = Granskning()
    seen_units: dict[str, int] = {}
    providers: dict[str, tuple[int, dict]] = {}
    rows = [rad for post in tabell.poster if (rad := _rad(g.rad(post), regions, seen_units, providers))]
    g.resultat()
    return rows


class _Katalogimport:
    """The catalogue's `Importor` (vardformedling.importering.forhandsvisning)."""

    analysera = staticmethod(analysera)
    planera = staticmethod(planera)
    tillampa = staticmethod(tillampa)


KATALOG = _Katalogimport()


# --- The command's and the demo's path: check and apply at once ----------------------------------------------


def senast_inlast(sha: str) -> KatalogImport | None:
    """The latest applied import, when it was this very file ("redan inläst")."""
    senaste = KatalogImport.objects.filter(status=KatalogImport.Status.KLAR).first()
    return senaste if senaste and senaste.sha256 == sha else None


def redan_inlast_text(senaste: KatalogImport) -> str:
    return REDAN_INLAST.format(tid=timezone.localtime(senaste.tidpunkt).strftime("%Y-%m-%d %H:%M"))


def import_katalog(*, data: bytes, filnamn: str, user=None, tillat_inaktivering: bool = False) -> Resultat:
    """Check the whole extract, then apply it atomically (no preview). Never raises for bad input: see
    Resultat.fel. The deactivation guard applies unless `tillat_inaktivering`."""
    filnamn = maskera_i_text(filnamn)[:255]  # a personnummer in a file name is never stored or logged
    sha = hashlib.sha256(data).hexdigest()
    if senaste := senast_inlast(sha):
        rad = KatalogImport.objects.create(
            importerad_av=user, filnamn=filnamn, sha256=sha, status=KatalogImport.Status.REDAN_INLAST
        )
        return Resultat(status=rad.status, meddelande=redan_inlast_text(senaste), import_rad=rad)
    try:
        with transaction.atomic():  # the record of an applied file commits with the change it made
            plan, antal = forhandsvisning.tillampa(
                KATALOG, data, kontroll=lambda p: kontrollera_inaktivering(p, tillat=tillat_inaktivering, kommando=True)
            )
            rad = KatalogImport.objects.create(
                importerad_av=user,
                filnamn=filnamn,
                sha256=sha,
                status=KatalogImport.Status.KLAR,
                antal_rader=len(plan.rader),
                antal_nya=antal["nya"],
                antal_andrade=antal["andrade"],
                antal_oforandrade=antal["oforandrade"],
                antal_inaktiverade=antal["inaktiverade"],
            )
    except FilAvvisad as exc:
        fel = exc.texter
        rad = KatalogImport.objects.create(
            importerad_av=user, filnamn=filnamn, sha256=sha, status=KatalogImport.Status.AVVISAD, fel=fel
        )
        return Resultat(status=rad.status, meddelande=AVVISAD.format(antal=exc.antal), fel=fel, import_rad=rad)
    return Resultat(
        status=rad.status,
        meddelande=KLAR.format(**antal),
        nya=antal["nya"],
        andrade=antal["andrade"],
        oforandrade=antal["oforandrade"],
        inaktiverade=antal["inaktiverade"],
        import_rad=rad,
    )
