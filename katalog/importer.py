"""Catalogue extract importer (shared/formats/KATALOG_AVTAL.md).

The rule: read the whole file, validate EVERY row (errors "rad N, kolumn X: …", N = line in the file with the
header as line 1), and only if nothing is wrong apply it in one short atomic write with bulk operations. Units
from the catalogue that are missing from the extract are marked inactive; units first seen in register files
(kalla=register) are linked to their provider. The same file twice changes nothing.
"""

import hashlib
import io
import logging
import re
from dataclasses import dataclass, field

import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from stdnum.se import orgnr as stdnum_orgnr

from katalog.models import Agarform, KatalogImport, KvaGrupp, Vardenhet, Vardgivare, Vardutbud
from vardformedling.hsa import HSA_RE
from vardformedling.indata import fel_styrtecken, utan_styrtecken
from vardformedling.models import Region
from vardformedling.personnummer import maskera_i_text

logger = logging.getLogger(__name__)

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
ORGNR_RE = re.compile(r"^[0-9]{6}-[0-9]{4}$")
KVA_RE = re.compile(r"^[A-Z0-9]{3}$")
# Free text: checked for control characters (the other columns must match a pattern or a set of values)
TEXTKOLUMNER = ["vardgivare_namn", "vardenhet_namn", "kommun", "adress", "postnummer", "ort", "telefon"]
LAT_RANGE = (55.0, 69.1)
LON_RANGE = (10.9, 24.2)
DEFAULT_ASA = 2  # the model default: a unit that states nothing takes ASA 1–2

FEL_TOM_FIL = "Filen innehåller inga rader."
FEL_FOR_STOR = "Filen är för stor (högst {max} MB)."
FEL_INTE_XLSX = "Filen har ändelsen .xlsx men är ingen giltig Excel-fil."
FEL_INTE_TEXT = "Filen är varken en Excel-fil (XLSX) eller en CSV-fil i UTF-8."
FEL_LASFEL = "Filen kunde inte läsas. Spara den som CSV (semikolon, UTF-8) eller som Excel-fil (.xlsx) och försök igen."
FEL_CSV_TOLKNING = (
    "Filen kunde inte tolkas som CSV. Kontrollera att fälten skiljs med semikolon och att citattecken är parade."
)
FEL_XLSX_SKADAD = "Excel-filen kunde inte läsas: den är skadad eller innehåller ingen arbetsbok i XLSX-format."
FEL_FALTANTAL = "rad {rad}: {antal} fält men rubrikraden har {rubrik} (kontrollera semikolon i värdena)."
FEL_KOLUMN_SAKNAS = "rad 1: kolumnen {kol} saknas i rubrikraden."
FEL_VARDE_SAKNAS = "rad {rad}, kolumn {kol}: värde saknas."
FEL_FOR_LANGT = "rad {rad}, kolumn {kol}: värdet är för långt (högst {max} tecken)."
FEL_TECKEN = "rad {rad}, kolumn {kol}: {fel}"
FEL_HSA = 'rad {rad}, kolumn {kol}: "{varde}" är inget giltigt HSA-id (format SE + 10 siffror, bindestreck, tecken).'
FEL_ORGNR_FORMAT = 'rad {rad}, kolumn {kol}: "{varde}" ska skrivas NNNNNN-NNNN.'
FEL_ORGNR_KONTROLL = 'rad {rad}, kolumn {kol}: organisationsnumret "{varde}" har fel kontrollsiffra.'
FEL_AGARFORM = 'rad {rad}, kolumn {kol}: "{varde}" ska vara offentlig, privat eller ideburen.'
FEL_REGION = 'rad {rad}, kolumn {kol}: okänd regionkod "{varde}".'
FEL_TAL = 'rad {rad}, kolumn {kol}: "{varde}" är inget tal.'
FEL_KOORDINAT = "rad {rad}, kolumn {kol}: {varde} ligger utanför Sverige ({min}–{max})."
FEL_KOORDINATPAR = "rad {rad}, kolumn {kol}: ange både lat och lon, eller ingen av dem."
FEL_ASA = 'rad {rad}, kolumn {kol}: "{varde}" ska vara en ASA-klass 1–4.'
FEL_NARKOS = 'rad {rad}, kolumn {kol}: "{varde}" ska vara ja eller nej.'
FEL_KVA = 'rad {rad}, kolumn {kol}: "{varde}" är ingen KVÅ-grupp (tre tecken, t.ex. CJE).'
FEL_EPOST = 'rad {rad}, kolumn {kol}: "{varde}" är ingen giltig e-postadress.'
FEL_DUBBLETT = "rad {rad}, kolumn {kol}: vårdenheten {varde} finns redan på rad {forsta}."
FEL_VARDGIVARE_OLIKA = 'rad {rad}, kolumn {kol}: "{varde}" skiljer sig från rad {forsta} för samma vårdgivare ({hsa}).'
KLAR = "Katalogen är inläst: {nya} nya, {andrade} ändrade, {oforandrade} oförändrade, {inaktiverade} inaktiverade."
REDAN_INLAST = "Filen är redan inläst ({tid}); inget ändrades."


@dataclass
class Rad:
    """One validated row, ready to write."""

    rad: int
    vardgivare: dict
    vardenhet: dict
    hsa_id: str
    vardutbud: dict[str, tuple[int, bool]] = field(default_factory=dict)


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
        return self.status != KatalogImport.Status.AVVISAD


# --- Reading -----------------------------------------------------------------------------------------------


def read_frame(data: bytes, filnamn: str) -> pd.DataFrame:
    """The file as strings (dtype=str, empty cells ""), lower-cased headers. Raises ValidationError."""
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(FEL_FOR_STOR.format(max=settings.UPLOAD_MAX_BYTES // (1024 * 1024)))
    is_zip = data[:4] == b"PK\x03\x04"
    if filnamn.lower().endswith(".xlsx") and not is_zip:
        raise ValidationError(FEL_INTE_XLSX)
    try:
        if is_zip:
            frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=str, engine="openpyxl", keep_default_na=False)
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise ValidationError(FEL_INTE_TEXT) from exc
            if "\x00" in text:
                raise ValidationError(FEL_INTE_TEXT)
            if not text.strip():
                raise ValidationError(FEL_TOM_FIL)
            frame = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False, skip_blank_lines=False)
    except ValidationError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise ValidationError(FEL_TOM_FIL) from exc
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise ValidationError(FEL_FALTANTAL.format(rad=m.group(2), antal=m.group(3), rubrik=m.group(1))) from exc
        logger.info("Katalogfil %s kunde inte tolkas: %s", filnamn, exc)
        raise ValidationError(FEL_CSV_TOLKNING) from exc
    except Exception as exc:  # pandas/openpyxl/zipfile raise many kinds; the user needs one Swedish message
        logger.info("Katalogfil %s kunde inte läsas: %r", filnamn, exc)
        raise ValidationError(FEL_XLSX_SKADAD if is_zip else FEL_LASFEL) from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame.fillna("").astype(str)


# --- Validation --------------------------------------------------------------------------------------------


def _number(value: str) -> float:
    return float(value.replace(",", ".").replace(" ", ""))


def _integer_text(value: str) -> str:
    """XLSX cells may come back as "3.0"."""
    return value[:-2] if value.endswith(".0") else value


def validate(frame: pd.DataFrame) -> tuple[list[Rad], list[str]]:
    """Every row checked; returns the rows and every error found (empty list = the file is good)."""
    errors: list[str] = []
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        return [], [FEL_KOLUMN_SAKNAS.format(kol=c) for c in missing]
    regions = set(Region.objects.values_list("kod", flat=True))
    cols = [c for c in REQUIRED + OPTIONAL if c in frame.columns]
    rows: list[Rad] = []
    seen_units: dict[str, int] = {}
    providers: dict[str, tuple[int, dict]] = {}
    for index, record in enumerate(frame[cols].to_dict("records")):
        nr = index + 2  # header is line 1
        v = {c: str(record.get(c, "") or "").strip() for c in REQUIRED + OPTIONAL}
        if not any(v.values()):
            continue  # blank line
        before = len(errors)

        def err(template: str, kol: str, nr: int = nr, v: dict = v, **kw) -> None:
            errors.append(template.format(rad=nr, kol=kol, varde=v.get(kol, ""), **kw))

        for kol in REQUIRED:
            if not v[kol]:
                err(FEL_VARDE_SAKNAS, kol)
        for kol, max_len in MAX_LENGTH.items():
            if len(v[kol]) > max_len:
                err(FEL_FOR_LANGT, kol, max=max_len)
        for kol in TEXTKOLUMNER:
            if fel := fel_styrtecken(v[kol]):
                err(FEL_TECKEN, kol, fel=fel)
        for kol in ("vardgivare_hsaid", "vardenhet_hsaid"):
            v[kol] = v[kol].upper()
            if v[kol] and not HSA_RE.match(v[kol]):
                err(FEL_HSA, kol)
        orgnr = v["vardgivare_orgnr"]
        if orgnr:
            if not ORGNR_RE.match(orgnr):
                err(FEL_ORGNR_FORMAT, "vardgivare_orgnr")
            elif not stdnum_orgnr.is_valid(orgnr):
                err(FEL_ORGNR_KONTROLL, "vardgivare_orgnr")
        v["agarform"] = v["agarform"].lower().replace("é", "e")
        if v["agarform"] and v["agarform"] not in Agarform.values:
            err(FEL_AGARFORM, "agarform")
        region = Region.normalise_kod(_integer_text(v["region_kod"]))
        if v["region_kod"] and region not in regions:
            err(FEL_REGION, "region_kod")
        coords: dict[str, float | None] = {"lat": None, "lon": None}
        for kol, (lo, hi) in (("lat", LAT_RANGE), ("lon", LON_RANGE)):
            if v[kol]:
                try:
                    coords[kol] = _number(v[kol])
                except ValueError:
                    err(FEL_TAL, kol)
                    continue
                if not lo <= coords[kol] <= hi:
                    err(FEL_KOORDINAT, kol, min=lo, max=hi)
        if bool(v["lat"]) != bool(v["lon"]):
            err(FEL_KOORDINATPAR, "lon" if v["lat"] else "lat")
        asa = DEFAULT_ASA
        if v["tar_emot_asa"]:
            text = _integer_text(v["tar_emot_asa"])
            if text in {"1", "2", "3", "4"}:
                asa = int(text)
            else:
                err(FEL_ASA, "tar_emot_asa")
        narkos = False
        if v["narkos"]:
            if v["narkos"].lower() in {"ja", "nej"}:
                narkos = v["narkos"].lower() == "ja"
            else:
                err(FEL_NARKOS, "narkos")
        utbud: dict[str, tuple[int, bool]] = {}
        for kod in filter(None, (k.strip().upper() for k in v["vardutbud"].split("|"))):
            if KVA_RE.match(kod):
                utbud[kod] = (asa, narkos)
            else:
                errors.append(FEL_KVA.format(rad=nr, kol="vardutbud", varde=kod))
        if v["epost"]:
            try:
                validate_email(v["epost"])
            except ValidationError:
                err(FEL_EPOST, "epost")
        hsa = v["vardenhet_hsaid"]
        if hsa in seen_units:
            err(FEL_DUBBLETT, "vardenhet_hsaid", forsta=seen_units[hsa])
        elif hsa:
            seen_units[hsa] = nr
        vardgivare = {
            "hsa_id": v["vardgivare_hsaid"],
            "orgnr": orgnr,
            "namn": v["vardgivare_namn"],
            "agarform": v["agarform"],
        }
        if vardgivare["hsa_id"] in providers:
            forsta, known = providers[vardgivare["hsa_id"]]
            for attr, kol in (("orgnr", "vardgivare_orgnr"), ("namn", "vardgivare_namn"), ("agarform", "agarform")):
                if known[attr] != vardgivare[attr]:
                    err(FEL_VARDGIVARE_OLIKA, kol, forsta=forsta, hsa=vardgivare["hsa_id"])
        elif vardgivare["hsa_id"]:
            providers[vardgivare["hsa_id"]] = (nr, vardgivare)
        if len(errors) > before:
            continue
        rows.append(
            Rad(
                rad=nr,
                hsa_id=hsa,
                vardgivare=vardgivare,
                vardenhet={
                    "namn": v["vardenhet_namn"],
                    "region_id": region,
                    "kommun": v["kommun"],
                    "adress": v["adress"],
                    "postnummer": v["postnummer"],
                    "ort": v["ort"],
                    "lat": coords["lat"],
                    "lon": coords["lon"],
                    "telefon": v["telefon"],
                    "epost": v["epost"],
                },
                vardutbud=utbud,
            )
        )
    if not errors and not rows:
        errors.append(FEL_TOM_FIL)
    return rows, [utan_styrtecken(e) for e in errors]  # a quoted value may hold a control character


# --- Writing -----------------------------------------------------------------------------------------------

VARDENHET_FIELDS = ["namn", "region_id", "kommun", "adress", "postnummer", "ort", "lat", "lon", "telefon", "epost"]


def _apply(rows: list[Rad]) -> tuple[int, int, int, int]:
    """One atomic write; returns (new, changed, unchanged, deactivated) counted in units."""
    # Providers
    wanted_vg = {r.vardgivare["hsa_id"]: r.vardgivare for r in rows}
    existing_vg = {vg.hsa_id: vg for vg in Vardgivare.objects.filter(hsa_id__in=wanted_vg)}
    changed_vg_ids: set[str] = set()
    new_vg, upd_vg = [], []
    for hsa, data in wanted_vg.items():
        vg = existing_vg.get(hsa)
        if vg is None:
            new_vg.append(Vardgivare(**data))
        elif any(getattr(vg, k) != data[k] for k in ("orgnr", "namn", "agarform")):
            for k in ("orgnr", "namn", "agarform"):
                setattr(vg, k, data[k])
            upd_vg.append(vg)
            changed_vg_ids.add(hsa)
    Vardgivare.objects.bulk_create(new_vg)
    Vardgivare.objects.bulk_update(upd_vg, ["orgnr", "namn", "agarform"])
    vg_by_hsa = {vg.hsa_id: vg for vg in Vardgivare.objects.filter(hsa_id__in=wanted_vg)}

    # KVÅ groups not yet known are created so the offering can refer to them
    koder = {k for r in rows for k in r.vardutbud}
    known_kva = set(KvaGrupp.objects.filter(kod__in=koder).values_list("kod", flat=True))
    KvaGrupp.objects.bulk_create([KvaGrupp(kod=k) for k in sorted(koder - known_kva)])

    # Units
    hsa_ids = [r.hsa_id for r in rows]
    existing = {ve.hsa_id: ve for ve in Vardenhet.objects.filter(hsa_id__in=hsa_ids)}
    new_units, upd_units, changed = [], [], set()
    for r in rows:
        vg = vg_by_hsa[r.vardgivare["hsa_id"]]
        ve = existing.get(r.hsa_id)
        if ve is None:
            new_units.append(
                Vardenhet(hsa_id=r.hsa_id, vardgivare=vg, aktiv=True, kalla=Vardenhet.Kalla.KATALOG, **r.vardenhet)
            )
            continue
        target = {**r.vardenhet, "vardgivare_id": vg.pk, "aktiv": True, "kalla": Vardenhet.Kalla.KATALOG}
        if any(getattr(ve, k) != val for k, val in target.items()):
            for k, val in target.items():
                setattr(ve, k, val)
            upd_units.append(ve)
            changed.add(r.hsa_id)
        elif r.vardgivare["hsa_id"] in changed_vg_ids:
            changed.add(r.hsa_id)
    Vardenhet.objects.bulk_create(new_units)
    Vardenhet.objects.bulk_update(upd_units, [*VARDENHET_FIELDS, "vardgivare_id", "aktiv", "kalla"])
    unit_ids = dict(Vardenhet.objects.filter(hsa_id__in=hsa_ids).values_list("hsa_id", "pk"))

    # Offering: create, update and remove what the extract no longer lists
    current = {(vu.vardenhet_id, vu.kva_id): vu for vu in Vardutbud.objects.filter(vardenhet_id__in=unit_ids.values())}
    wanted = {
        (unit_ids[r.hsa_id], kod): (r.hsa_id, asa, narkos) for r in rows for kod, (asa, narkos) in r.vardutbud.items()
    }
    by_pk = {pk: hsa for hsa, pk in unit_ids.items()}
    new_vu, upd_vu = [], []
    for key, (hsa, asa, narkos) in wanted.items():
        vu = current.get(key)
        if vu is None:
            new_vu.append(Vardutbud(vardenhet_id=key[0], kva_id=key[1], max_asa=asa, narkos=narkos))
            changed.add(hsa)
        elif (vu.max_asa, vu.narkos) != (asa, narkos):
            vu.max_asa, vu.narkos = asa, narkos
            upd_vu.append(vu)
            changed.add(hsa)
    stale = [vu.pk for key, vu in current.items() if key not in wanted]
    changed.update(by_pk[key[0]] for key in current if key not in wanted)
    Vardutbud.objects.bulk_create(new_vu)
    Vardutbud.objects.bulk_update(upd_vu, ["max_asa", "narkos"])
    Vardutbud.objects.filter(pk__in=stale).delete()

    # Units from the catalogue that are no longer in it: kept for history, not offered
    inaktiverade = (
        Vardenhet.objects.filter(kalla=Vardenhet.Kalla.KATALOG, aktiv=True)
        .exclude(hsa_id__in=hsa_ids)
        .update(aktiv=False)
    )
    new_hsa = {ve.hsa_id for ve in new_units}
    changed -= new_hsa
    return len(new_hsa), len(changed), len(rows) - len(new_hsa) - len(changed), inaktiverade


def import_katalog(*, data: bytes, filnamn: str, user=None) -> Resultat:
    """Validate the whole extract, then apply it atomically. Never raises for bad input: see Resultat.fel."""
    filnamn = maskera_i_text(filnamn)  # a personnummer in a file name is never stored or logged
    sha = hashlib.sha256(data).hexdigest()
    senaste = KatalogImport.objects.filter(status=KatalogImport.Status.KLAR).first()
    if senaste and senaste.sha256 == sha:
        rad = KatalogImport.objects.create(
            importerad_av=user, filnamn=filnamn[:255], sha256=sha, status=KatalogImport.Status.REDAN_INLAST
        )
        tid = timezone.localtime(senaste.tidpunkt).strftime("%Y-%m-%d %H:%M")
        return Resultat(status=rad.status, meddelande=REDAN_INLAST.format(tid=tid), import_rad=rad)
    try:
        frame = read_frame(data, filnamn)
        rows, errors = validate(frame)
    except ValidationError as exc:
        rows, errors = [], list(exc.messages)
    if errors:
        rad = KatalogImport.objects.create(
            importerad_av=user,
            filnamn=filnamn[:255],
            sha256=sha,
            status=KatalogImport.Status.AVVISAD,
            fel=errors[:500],
        )
        meddelande = f"Filen avvisades: {len(errors)} fel. Inget ändrades."
        return Resultat(status=rad.status, meddelande=meddelande, fel=errors, import_rad=rad)
    with transaction.atomic():
        nya, andrade, oforandrade, inaktiverade = _apply(rows)
        rad = KatalogImport.objects.create(
            importerad_av=user,
            filnamn=filnamn[:255],
            sha256=sha,
            status=KatalogImport.Status.KLAR,
            antal_rader=len(rows),
            antal_nya=nya,
            antal_andrade=andrade,
            antal_oforandrade=oforandrade,
            antal_inaktiverade=inaktiverade,
        )
    return Resultat(
        status=rad.status,
        meddelande=KLAR.format(nya=nya, andrade=andrade, oforandrade=oforandrade, inaktiverade=inaktiverade),
        nya=nya,
        andrade=andrade,
        oforandrade=oforandrade,
        inaktiverade=inaktiverade,
        import_rad=rad,
    )
