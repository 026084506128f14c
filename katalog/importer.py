"""Catalogue extract importer (shared/formats/KATALOG_AVTAL.md), built on the kernel's importer framework.

The rule: check the file (vardformedling.importering.vakt), read it, validate EVERY row (errors "rad N, kolumn X: …",
N = the file's line with the header as line 1), plan the change against the database (new, changed field by field,
unchanged, units to be deactivated) and only then apply it in one short atomic write with bulk operations. Units
from the catalogue that are missing from the extract are marked inactive (kept for history, not offered); units
first seen in register files (kalla=register) are linked to their provider. The same file twice changes nothing.

Deactivation guard: a file that would deactivate more than KATALOG_MAX_INAKTIVERING_ANDEL of the active catalogue
units (default 10 %) — a partial extract mistaken for a full one — is applied only when the administrator confirms
that number (the upload page) or the command is given `--tillat-inaktivering`.
"""

import hashlib
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from stdnum.se import orgnr as stdnum_orgnr

from katalog.models import Agarform, KatalogImport, KvaGrupp, Vardenhet, Vardgivare, Vardutbud
from vardformedling.hsa import HSA_RE
from vardformedling.importering import forhandsvisning
from vardformedling.importering.fel import FilAvvisad, Importfel
from vardformedling.importering.kolumner import Granskning
from vardformedling.importering.lasning import las
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
FEL_EPOST = "”{varde}” är ingen giltig e-postadress."
FEL_DUBBLETT = "vårdenheten {varde} finns redan på rad {forsta}."
FEL_VARDGIVARE_OLIKA = "”{varde}” skiljer sig från rad {forsta} för samma vårdgivare ({hsa})."
FEL_FOR_MANGA_INAKTIVERAS = (
    "Filen skulle inaktivera {antal} av {aktiva} aktiva vårdenheter ({andel} %), fler än de {grans} % som tillåts "
    "utan bekräftelse. Kontrollera att filen är ett fullständigt utdrag ur katalogen."
)
FEL_FOR_MANGA_KOMMANDO = " Kör kommandot igen med --tillat-inaktivering om det är avsikten."
KLAR = "Katalogen är inläst: {nya} nya, {andrade} ändrade, {oforandrade} oförändrade, {inaktiverade} inaktiverade."
REDAN_INLAST = "Filen är redan inläst ({tid}); inget ändrades."
AVVISAD = "Filen avvisades: {antal} fel. Inget ändrades."

ENHETSFALT = {
    "namn": "Namn",
    "vardgivare": "Vårdgivare",
    "region_id": "Region",
    "kommun": "Kommun",
    "adress": "Adress",
    "postnummer": "Postnummer",
    "ort": "Ort",
    "lat": "Latitud",
    "lon": "Longitud",
    "telefon": "Telefon",
    "epost": "E-post",
    "vardutbud": "Vårdutbud",
    "aktiv": "Aktiv",
    "kalla": "Källa",
}
VARDGIVARFALT = {"orgnr": "Vårdgivarens organisationsnummer", "namn": "Vårdgivarens namn", "agarform": "Ägarform"}
VARDENHET_FIELDS = ["namn", "region_id", "kommun", "adress", "postnummer", "ort", "lat", "lon", "telefon", "epost"]


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
                coords[kol] = _number(r.post[kol])
            except ValueError:
                r.fel(kol, FEL_TAL)
                continue
            if not lo <= coords[kol] <= hi:
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
    return Rad(rad=r.nr, hsa_id=hsa, vardgivare=vardgivare, vardenhet=vardenhet, vardutbud=utbud)


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


# --- Planning: what the file would change --------------------------------------------------------------------


@dataclass
class Plan:
    """The change a valid extract makes, computed without writing (see `planera`)."""

    rader: list[Rad]
    nya_vg: list[Vardgivare]
    andrade_vg: list[Vardgivare]
    nya_kva: list[str]
    nya_enheter: list[Vardenhet]
    andrade_enheter: list[Vardenhet]
    nytt_utbud: list[tuple[str, str, int, bool]]  # (unit HSA-id, KVÅ, ASA, narkos)
    andrat_utbud: list[Vardutbud]
    borttaget_utbud: list[int]
    inaktiveras: list[tuple[int, str, str]]  # (pk, HSA-id, name)
    aktiva: int  # active catalogue units before the file
    oforandrade: int
    forhandsvisning: dict

    @property
    def kraver_bekraftelse(self) -> bool:
        return len(self.inaktiveras) > tillatna_inaktiveringar(self.aktiva)


def tillatna_inaktiveringar(aktiva: int) -> int:
    """How many active catalogue units one file may deactivate without an explicit confirmation."""
    return math.floor(aktiva * settings.KATALOG_MAX_INAKTIVERING_ANDEL + 1e-9)


def _utbud_text(utbud: dict[str, tuple[int, bool]]) -> list[str]:
    return [f"{kva} (ASA ≤ {asa}{', narkos' if narkos else ''})" for kva, (asa, narkos) in sorted(utbud.items())]


def planera(rows: list[Rad]) -> Plan:
    """Compare the extract with the database, unit by unit and field by field (a fixed handful of queries)."""
    wanted_vg = {r.vardgivare["hsa_id"]: r.vardgivare for r in rows}
    existing_vg = {vg.hsa_id: vg for vg in Vardgivare.objects.filter(hsa_id__in=wanted_vg)}
    nya_vg, andrade_vg, vg_andringar = [], [], {}
    for hsa, data in wanted_vg.items():
        vg = existing_vg.get(hsa)
        if vg is None:
            nya_vg.append(Vardgivare(**data))
            continue
        fore = {k: getattr(vg, k) for k in VARDGIVARFALT}
        if ch := forhandsvisning.andringar(fore, data, VARDGIVARFALT):
            for k in VARDGIVARFALT:
                setattr(vg, k, data[k])
            andrade_vg.append(vg)
            vg_andringar[hsa] = ch

    koder = {k for r in rows for k in r.vardutbud}
    nya_kva = sorted(koder - set(KvaGrupp.objects.filter(kod__in=koder).values_list("kod", flat=True)))

    hsa_ids = [r.hsa_id for r in rows]
    existing = {ve.hsa_id: ve for ve in Vardenhet.objects.filter(hsa_id__in=hsa_ids).select_related("vardgivare")}
    current: dict[int, dict[str, Vardutbud]] = {}
    for vu in Vardutbud.objects.filter(vardenhet__hsa_id__in=hsa_ids):
        current.setdefault(vu.vardenhet_id, {})[vu.kva_id] = vu
    f = {"nya": [], "andrade": [], "oforandrade": [], "saknade": []}
    nya_enheter, andrade_enheter, nytt, andrat, borttaget = [], [], [], [], []
    for r in rows:
        ve = existing.get(r.hsa_id)
        vg_hsa = r.vardgivare["hsa_id"]
        if ve is None:
            nya_enheter.append(Vardenhet(hsa_id=r.hsa_id, aktiv=True, kalla=Vardenhet.Kalla.KATALOG, **r.vardenhet))
            nytt += [(r.hsa_id, kva, asa, narkos) for kva, (asa, narkos) in r.vardutbud.items()]
            f["nya"].append(
                {
                    "hsa_id": r.hsa_id,
                    "namn": r.vardenhet["namn"],
                    "vardgivare": r.vardgivare["namn"],
                    "region": r.vardenhet["region_id"],
                    "vardutbud": ", ".join(_utbud_text(r.vardutbud)) or "–",
                }
            )
            continue
        finns = current.get(ve.pk, {})
        fore = {k: getattr(ve, k) for k in VARDENHET_FIELDS}
        fore |= {
            "vardgivare": ve.vardgivare.hsa_id if ve.vardgivare else "",
            "aktiv": ve.aktiv,
            "kalla": ve.get_kalla_display(),
            "vardutbud": _utbud_text({k: (vu.max_asa, vu.narkos) for k, vu in finns.items()}),
        }
        efter = {**r.vardenhet, "vardgivare": vg_hsa, "aktiv": True, "kalla": Vardenhet.Kalla.KATALOG.label}
        efter["vardutbud"] = _utbud_text(r.vardutbud)
        ch = forhandsvisning.andringar(fore, efter, ENHETSFALT) + vg_andringar.get(vg_hsa, [])
        if any(fore[k] != efter[k] for k in (*VARDENHET_FIELDS, "vardgivare", "aktiv", "kalla")):
            for k in VARDENHET_FIELDS:
                setattr(ve, k, r.vardenhet[k])
            ve.aktiv, ve.kalla = True, Vardenhet.Kalla.KATALOG
            andrade_enheter.append(ve)
        for kva, (asa, narkos) in r.vardutbud.items():
            vu = finns.get(kva)
            if vu is None:
                nytt.append((r.hsa_id, kva, asa, narkos))
            elif (vu.max_asa, vu.narkos) != (asa, narkos):
                vu.max_asa, vu.narkos = asa, narkos
                andrat.append(vu)
        borttaget += [vu.pk for kva, vu in finns.items() if kva not in r.vardutbud]
        if ch:
            f["andrade"].append({"hsa_id": r.hsa_id, "namn": r.vardenhet["namn"], "andringar": ch})
        else:
            f["oforandrade"].append({"hsa_id": r.hsa_id, "namn": r.vardenhet["namn"]})

    aktiva = Vardenhet.objects.filter(kalla=Vardenhet.Kalla.KATALOG, aktiv=True)
    inaktiveras = list(aktiva.exclude(hsa_id__in=hsa_ids).order_by("hsa_id").values_list("pk", "hsa_id", "namn"))
    f["saknade"] = [{"hsa_id": h, "namn": n} for _pk, h, n in inaktiveras]
    antal_aktiva = aktiva.count()
    f |= {"aktiva": antal_aktiva, "tillatna_inaktiveringar": tillatna_inaktiveringar(antal_aktiva)}
    return Plan(
        rader=rows,
        nya_vg=nya_vg,
        andrade_vg=andrade_vg,
        nya_kva=nya_kva,
        nya_enheter=nya_enheter,
        andrade_enheter=andrade_enheter,
        nytt_utbud=nytt,
        andrat_utbud=andrat,
        borttaget_utbud=borttaget,
        inaktiveras=inaktiveras,
        aktiva=antal_aktiva,
        oforandrade=len(f["oforandrade"]),
        forhandsvisning=f,
    )


def kontrollera_inaktivering(
    plan: Plan, *, tillat: bool = False, bekraftat_antal: int | None = None, kommando: bool = False
) -> None:
    """The deactivation guard: FilAvvisad when the plan deactivates more than the allowed share of active units and
    neither `tillat` (the command's --tillat-inaktivering) nor a confirmation of exactly this number was given."""
    antal = len(plan.inaktiveras)
    if not plan.kraver_bekraftelse or tillat or bekraftat_antal == antal:
        return
    andel = round(100 * antal / max(plan.aktiva, 1))
    grans = f"{settings.KATALOG_MAX_INAKTIVERING_ANDEL * 100:g}".replace(".", ",")
    meddelande = FEL_FOR_MANGA_INAKTIVERAS.format(antal=antal, aktiva=plan.aktiva, andel=andel, grans=grans)
    if kommando:
        meddelande += FEL_FOR_MANGA_KOMMANDO
    raise FilAvvisad([Importfel(None, "", meddelande)])


# --- Writing -----------------------------------------------------------------------------------------------


def tillampa(plan: Plan, *, progress: Callable[[int], None] | None = None) -> dict:
    """Write the plan with bulk operations (the caller holds the transaction); returns the counts in units."""
    Vardgivare.objects.bulk_create(plan.nya_vg)
    Vardgivare.objects.bulk_update(plan.andrade_vg, list(VARDGIVARFALT))
    vg_pk = dict(
        Vardgivare.objects.filter(hsa_id__in={r.vardgivare["hsa_id"] for r in plan.rader}).values_list("hsa_id", "pk")
    )
    KvaGrupp.objects.bulk_create([KvaGrupp(kod=k) for k in plan.nya_kva])
    vg_for_enhet = {r.hsa_id: vg_pk[r.vardgivare["hsa_id"]] for r in plan.rader}
    for ve in (*plan.nya_enheter, *plan.andrade_enheter):
        ve.vardgivare_id = vg_for_enhet[ve.hsa_id]
    Vardenhet.objects.bulk_create(plan.nya_enheter)
    Vardenhet.objects.bulk_update(plan.andrade_enheter, [*VARDENHET_FIELDS, "vardgivare_id", "aktiv", "kalla"])
    enhet_pk = dict(Vardenhet.objects.filter(hsa_id__in=vg_for_enhet).values_list("hsa_id", "pk"))
    Vardutbud.objects.bulk_create(
        [Vardutbud(vardenhet_id=enhet_pk[h], kva_id=k, max_asa=a, narkos=n) for h, k, a, n in plan.nytt_utbud]
    )
    Vardutbud.objects.bulk_update(plan.andrat_utbud, ["max_asa", "narkos"])
    Vardutbud.objects.filter(pk__in=plan.borttaget_utbud).delete()
    inaktiverade = Vardenhet.objects.filter(pk__in=[pk for pk, _h, _n in plan.inaktiveras]).update(aktiv=False)
    f = plan.forhandsvisning
    return {
        "nya": len(f["nya"]),
        "andrade": len(f["andrade"]),
        "oforandrade": len(f["oforandrade"]),
        "inaktiverade": inaktiverade,
    }


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
