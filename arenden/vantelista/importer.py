"""Waiting-list importer (shared/formats/VANTELISTA.md) on the kernel's importer framework.

`VantelistaImportor(region)` follows the preview/apply protocol of `vardformedling.importering.forhandsvisning`:
`analysera` reads and checks every row ("rad N, kolumn X: …", FilAvvisad with all of them, nothing written),
`planera` compares each (home unit, KVÅ group) part of the file with that unit's current list (new, unchanged, or
replacing with who joins and who leaves), `tillampa` writes it. Identity is sealed per row under a fresh data key per
list wrapped by the region's key service; the personnummer is kept only as the region's keyed hash. The file itself is
never stored.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from django.core.exceptions import ValidationError
from django.db.models import Field
from django.utils import timezone

from arenden.vantelista import risk
from arenden.vantelista.models import ListStatus, Vantelista, VantelistaPatient
from katalog.models import KvaGrupp, Vardenhet
from vardformedling import personnummer as pnr
from vardformedling import referensdata
from vardformedling.hsa import HSA_RE
from vardformedling.importering.forhandsvisning import Forhandsvisning
from vardformedling.importering.kolumner import Granskning
from vardformedling.importering.lasning import las
from vardformedling.models import Region
from vardformedling.nycklar import falt
from vardformedling.nycklar.tjanst import nyckeltjanst, nyckelversion

KRAVDA = ["region_kod", "vardenhet_hsaid", "personnummer", "kva_grupp", "beslutsdatum"]
VALFRIA = [
    "fornamn",
    "efternamn",
    "kva_kod",
    "bortre_tidsgrans",
    "asa",
    "narkos",
    "kommun_kod",
    "telefon",
    "max_avstand_km",
    "anteckning",
]
IDENTITET = ("personnummer", "fornamn", "efternamn", "telefon", "anteckning")
MAX_AVSTAND = 3000

FEL_REGION_ANNAN = (
    "raden gäller region ”{varde}”, men listan laddas upp för region {egen}; ladda bara upp din egen regions lista."
)
FEL_REGION_FORMAT = "”{varde}” är ingen regionkod (två siffror)."
FEL_HSA = "”{varde}” är inget giltigt HSA-id (format SE + 10 siffror, bindestreck, tecken)."
FEL_ENHET_OKAND = "vårdenheten ”{varde}” finns inte i katalogen."
FEL_ENHET_REGION = "vårdenheten ”{varde}” hör till region {enhetens}, inte till region {egen}."
FEL_KVA_OKAND = "”{varde}” är ingen känd KVÅ-grupp."
FEL_KVA_KOD = "KVÅ-koden ”{varde}” hör inte till gruppen {grupp}."
FEL_FRAMTID = "beslutsdatum {varde} ligger i framtiden."
FEL_BORTRE = "bortre tidsgräns {varde} ligger före beslutsdatum."
FEL_KOMMUN = "”{varde}” är ingen kommunkod (fyra siffror)."
FEL_DUBBLETT = "samma personnummer och KVÅ-grupp finns redan på rad {forsta}."
KOMMUN_RE = re.compile(r"[0-9]{4}")
KVA_KOD_RE = re.compile(r"[A-Z]{3}[0-9A-Z]{0,7}")


def aad(nyckel) -> bytes:
    return falt.aad_for("vantelistapatient", str(nyckel))


def pnr_hashar(region_kod: str, nummer: list[str]) -> list[bytes]:
    """The keyed hash of each personnummer as the region's cases store it (`identitet.pnr_hash`, HMAC-SHA256 under
    the region's HMAC key), as bytes: a list patient and an open case of the same person have equal hashes, so
    duplicates are found by hash alone. One key-service round per list (`Nyckeltjanst.keyed_hashes`)."""
    from arenden.services.identitet import pnr_hashar as case_hashar

    return [bytes.fromhex(h) for h in case_hashar(region_kod, nummer)]


@dataclass
class Patientrad:
    rad: int
    vardenhet_id: int
    kva: str
    pnr: str
    identitet: dict
    kva_kod: str
    beslutsdatum: date
    bortre_tidsgrans: date | None
    asa: int | None
    narkos: bool | None
    kommun_kod: str
    max_avstand_km: int | None

    def kanonisk(self) -> str:
        """The row's content as one canonical line (hashed with the region's key: the same list again is no change)."""
        varden = [self.pnr, *(self.identitet.get(k, "") for k in IDENTITET[1:]), self.kva_kod, self.beslutsdatum]
        varden += [self.bortre_tidsgrans, self.asa, self.narkos, self.kommun_kod, self.max_avstand_km]
        return "\x1f".join("" if v is None else str(v) for v in varden)


@dataclass
class Del:
    """One (home unit, KVÅ group) part of the file: the list it becomes, and what it does to the current one."""

    vardenhet: Vardenhet
    kva: str
    rader: list[Patientrad]
    innehall_hash: bytes = b""
    hashar: dict[int, bytes] = field(default_factory=dict)  # row line → keyed hash of its personnummer
    nuvarande: Vantelista | None = None
    oforandrad: bool = False
    nya: int = 0
    kvar: int = 0
    lamnar: int = 0


@dataclass
class Plan:
    delar: list[Del]
    forhandsvisning: Forhandsvisning


class VantelistaImportor:
    """The waiting-list `Importor` for one region (the uploader's)."""

    def __init__(self, region: Region, *, anvandare=None, idag: date | None = None):
        self.region = region
        self.anvandare = anvandare
        self.idag = idag or timezone.localdate()

    def analysera(self, data: bytes, typ: str, *, progress: Callable[[int], None] | None = None) -> list[Patientrad]:
        tabell = las(data, typ, kravda=KRAVDA, valfria=VALFRIA)
        g = Granskning()
        enheter = {
            e.hsa_id: e for e in Vardenhet.objects.filter(region_id=self.region.kod).only("id", "hsa_id", "region_id")
        }
        grupper = set(KvaGrupp.objects.values_list("kod", flat=True))
        sedda: dict[tuple[str, str], int] = {}
        rader: list[Patientrad] = []
        andra_regioner: dict[str, str | None] = {}
        for post in tabell.poster:
            r = g.rad(post)
            region_kod = Region.normalise_kod(r.text("region_kod", kravd=True))
            if region_kod and not re.fullmatch(r"[0-9]{2}", region_kod):
                r.fel("region_kod", FEL_REGION_FORMAT)
            elif region_kod and region_kod != self.region.kod:
                r.fel("region_kod", FEL_REGION_ANNAN, egen=self.region.kod)
            hsa = r.monster("vardenhet_hsaid", HSA_RE, FEL_HSA, kravd=True)
            enhet = enheter.get(hsa) if hsa else None
            try:
                nummer = pnr.normalise(post["personnummer"]) if post["personnummer"] else ""
                if not nummer:
                    r.fel("personnummer", "värde saknas.")
            except ValidationError as exc:
                nummer = ""
                r.fel("personnummer", exc.messages[0].replace("{", "{{").replace("}", "}}"))
            identitet = {
                "personnummer": nummer,
                "fornamn": r.text("fornamn", max_langd=100, fritext=True),
                "efternamn": r.text("efternamn", max_langd=100, fritext=True),
                "telefon": r.text("telefon", max_langd=40, fritext=True),
                "anteckning": r.text("anteckning", max_langd=1000, fritext=True),
            }
            kva = r.text("kva_grupp", kravd=True).upper()
            if kva and kva not in grupper:
                r.fel("kva_grupp", FEL_KVA_OKAND)
                kva = ""
            kva_kod = r.text("kva_kod", max_langd=10).upper()
            if kva_kod and (not KVA_KOD_RE.fullmatch(kva_kod) or (kva and not kva_kod.startswith(kva))):
                r.fel("kva_kod", FEL_KVA_KOD, grupp=kva or "?")
            beslut = r.datum("beslutsdatum", kravd=True)
            if beslut and beslut > self.idag:
                r.fel("beslutsdatum", FEL_FRAMTID)
            bortre = r.datum("bortre_tidsgrans")
            if bortre and beslut and bortre < beslut:
                r.fel("bortre_tidsgrans", FEL_BORTRE)
            asa = r.heltal("asa", minst=1, hogst=5)
            narkos = r.val("narkos", ["ja", "nej"])
            kommun = r.text("kommun_kod")
            if kommun and not KOMMUN_RE.fullmatch(kommun):
                r.fel("kommun_kod", FEL_KOMMUN)
            avstand = r.heltal("max_avstand_km", minst=0, hogst=MAX_AVSTAND)
            if nummer and kva:
                forsta = sedda.setdefault((nummer, kva), post.rad)
                if forsta != post.rad:
                    r.fel("personnummer", FEL_DUBBLETT, forsta=forsta)
            if hsa and enhet is None:
                if hsa not in andra_regioner:
                    andra_regioner[hsa] = (
                        Vardenhet.objects.filter(hsa_id=hsa).values_list("region_id", flat=True).first()
                    )
                annan = andra_regioner[hsa]
                if annan:
                    r.fel("vardenhet_hsaid", FEL_ENHET_REGION, enhetens=annan, egen=self.region.kod)
                else:
                    r.fel("vardenhet_hsaid", FEL_ENHET_OKAND)
            if r.ok:
                # Both are required: a missing or unknown unit and a missing date are errors on the row.
                assert enhet is not None and beslut is not None
                rader.append(
                    Patientrad(
                        rad=post.rad,
                        vardenhet_id=enhet.pk,
                        kva=kva,
                        pnr=nummer,
                        identitet=identitet,
                        kva_kod=kva_kod,
                        beslutsdatum=beslut,
                        bortre_tidsgrans=bortre,
                        asa=asa,
                        narkos={"ja": True, "nej": False}.get(narkos),
                        kommun_kod=kommun,
                        max_avstand_km=avstand,
                    )
                )
        g.resultat()
        return rader

    def planera(self, rader: list[Patientrad]) -> Plan:
        tjanst = nyckeltjanst()
        kod = self.region.kod
        grupper: dict[tuple[int, str], list[Patientrad]] = defaultdict(list)
        for rad in rader:
            grupper[(rad.vardenhet_id, rad.kva)].append(rad)
        enheter = Vardenhet.objects.in_bulk([e for e, _ in grupper])
        nuvarande = {
            (lista.vardenhet_id, lista.kva_id): lista
            for lista in Vantelista.objects.aktuella().filter(region_id=kod, vardenhet_id__in=list(enheter))
        }
        delar: list[Del] = []
        fv = Forhandsvisning()
        for (enhet_id, kva), grupp in sorted(grupper.items(), key=lambda x: (enheter[x[0][0]].hsa_id, x[0][1])):
            d = Del(vardenhet=enheter[enhet_id], kva=kva, rader=grupp)
            d.hashar = dict(zip([r.rad for r in grupp], pnr_hashar(kod, [r.pnr for r in grupp]), strict=True))
            innehall = "\n".join(sorted(r.kanonisk() for r in grupp))
            d.innehall_hash = tjanst.keyed_hash(kod, f"vantelista:{enhet_id}:{kva}\n{innehall}".encode())
            d.nuvarande = nuvarande.get((enhet_id, kva))
            sammanfattning = {
                "vardenhet": d.vardenhet.hsa_id,
                "namn": d.vardenhet.namn,
                "kva": kva,
                "antal": len(grupp),
            }
            if d.nuvarande is None:
                d.nya = len(grupp)
                fv.nya.append(sammanfattning)
            elif bytes(d.nuvarande.innehall_hash) == d.innehall_hash:
                d.oforandrad = True
                fv.oforandrade.append(sammanfattning)
            else:
                gamla = {
                    bytes(h)
                    for h in d.nuvarande.patienter.filter(status=ListStatus.PA_LISTAN).values_list(
                        "pnr_hash", flat=True
                    )
                }
                nya = set(d.hashar.values())
                d.nya, d.kvar, d.lamnar = len(nya - gamla), len(nya & gamla), len(gamla - nya)
                fv.andrade.append(
                    {**sammanfattning, "andringar": [
                        {"falt": "nya patienter", "fran": "", "till": str(d.nya)},
                        {"falt": "kvar på listan", "fran": "", "till": str(d.kvar)},
                        {"falt": "lämnat listan", "fran": "", "till": str(d.lamnar)},
                    ]}
                )  # fmt: skip
            delar.append(d)
        return Plan(delar, fv)

    def tillampa(self, plan: Plan, *, progress: Callable[[int], None] | None = None) -> dict:
        """Writes every part that changes (call inside the framework's transaction). Returns counts."""
        referensdata.ogiltigforklara("arenden")  # the follow-up's waiting-list figures (arenden.api.version)
        tjanst = nyckeltjanst()
        kod = self.region.kod
        nu = timezone.now()
        antal = {"listor_nya": 0, "listor_ersatta": 0, "oforandrade": 0, "patienter": 0, "lamnat": 0}
        skrivna: list[Vantelista] = []
        for d in plan.delar:
            if d.oforandrad:
                antal["oforandrade"] += 1
                continue
            data_key = falt.ny_datanyckel()
            inslagen = tjanst.wrap(kod, data_key)
            lista = Vantelista.objects.create(
                region_id=kod, vardenhet=d.vardenhet, kva_id=d.kva, inlast=nu, inlast_av=self.anvandare,
                innehall_hash=d.innehall_hash, antal=len(d.rader), inslagen_nyckel=inslagen,
                nyckelversion=nyckelversion(inslagen),
            )  # fmt: skip
            arende_for: dict[bytes, int | None] = {}
            if d.nuvarande is not None:
                # Cases created from earlier rows follow the patient (any earlier list of this unit and group).
                tidigare = VantelistaPatient.objects.filter(
                    lista__region_id=kod, lista__vardenhet=d.vardenhet, lista__kva_id=d.kva,
                    status__in=[ListStatus.PA_LISTAN, ListStatus.LAMNAT],
                )  # fmt: skip
                for h, arende_id in tidigare.filter(arende__isnull=False).values_list("pnr_hash", "arende_id"):
                    arende_for[bytes(h)] = arende_id
            patienter = []
            for r in d.rader:
                p = VantelistaPatient(
                    lista=lista, pnr_hash=d.hashar[r.rad], rad=r.rad, kva_kod=r.kva_kod, beslutsdatum=r.beslutsdatum,
                    bortre_tidsgrans=r.bortre_tidsgrans, asa=r.asa, narkos=r.narkos, kommun_kod=r.kommun_kod,
                    max_avstand_km=r.max_avstand_km, arende_id=arende_for.get(d.hashar[r.rad]),
                )  # fmt: skip
                p.chiffertext = falt.encrypt(data_key, falt._serialisera(r.identitet), aad=aad(p.nyckel))
                patienter.append(p)
            _skriv(patienter)
            skrivna.append(lista)
            antal["patienter"] += len(patienter)
            if d.nuvarande is not None:
                # Patients of the old list who are not on the new one stay on the old list as "lämnat listan" (their
                # identity stays sealed under that list's key); the others, and leavers who came back, are history.
                # Compared in the database (subqueries), so a 20,000-patient list sends no list of hashes.
                nya = VantelistaPatient.objects.filter(lista=lista).values("pnr_hash")
                gamla = d.nuvarande.patienter.filter(status=ListStatus.PA_LISTAN)
                lamnar = gamla.exclude(pnr_hash__in=nya).update(
                    status=ListStatus.LAMNAT, lamnat_datum=timezone.localdate()
                )
                gamla.update(status=ListStatus.ERSATT)
                tidigare.filter(status=ListStatus.LAMNAT, pnr_hash__in=nya).exclude(lista=lista).update(
                    status=ListStatus.ERSATT
                )
                Vantelista.objects.filter(pk=d.nuvarande.pk).update(ersatt_av=lista)
                antal["listor_ersatta"] += 1
                antal["lamnat"] += lamnar
            else:
                antal["listor_nya"] += 1
        # Each new list's guarantee and expected dates, stored for the at-risk page (one UPDATE per list).
        risk.uppdatera(skrivna)
        return antal


KOPIERADE_FALT = (
    "lista_id", "nyckel", "pnr_hash", "chiffertext", "rad", "status", "lamnat_datum", "kva_kod", "beslutsdatum",
    "bortre_tidsgrans", "asa", "narkos", "kommun_kod", "max_avstand_km", "arende_id", "median_kalla",
)  # fmt: skip


def _skriv(patienter: list[VantelistaPatient]) -> None:
    """Inserts the rows: COPY on PostgreSQL (a 20,000-row list in well under a second), bulk_create elsewhere."""
    from django.db import connection

    if connection.vendor != "postgresql":
        VantelistaPatient.objects.bulk_create(patienter, batch_size=500)
        return
    tabell = connection.ops.quote_name(VantelistaPatient._meta.db_table)
    # The copied names are concrete fields of the table (no reverse relations): each has its column set.
    kolumner = ", ".join(
        connection.ops.quote_name(cast(str, cast(Field, VantelistaPatient._meta.get_field(f)).column))
        for f in KOPIERADE_FALT
    )
    with connection.cursor() as cur, cur.cursor.copy(f"COPY {tabell} ({kolumner}) FROM STDIN") as copy:
        for p in patienter:
            copy.write_row([getattr(p, f) for f in KOPIERADE_FALT])


def oppna_identiteter(patienter) -> dict[int, dict]:
    """The sealed identity of each patient (pk → document), one key-service round per list. Callers log the read."""
    per_lista: dict[int, list] = defaultdict(list)
    for p in patienter:
        per_lista[p.lista_id].append(p)
    listor = Vantelista.objects.in_bulk(list(per_lista))
    tjanst = nyckeltjanst()
    ut: dict[int, dict] = {}
    for lista_id, rader in per_lista.items():
        lista = listor[lista_id]
        data_key = tjanst.unwrap(lista.region_id, bytes(lista.inslagen_nyckel))
        for p in rader:
            ut[p.pk] = falt._tolka(falt.decrypt(data_key, bytes(p.chiffertext), aad=aad(p.nyckel)))
    return ut


def omhasha(Vantelista, VantelistaPatient) -> int:
    """Re-keys every stored list patient's hash to the cases' keyed hash (migration 0015): each list's identities
    opened with its data key, the personnummer hashed again in one round per list. Returns the rows changed."""
    tjanst = nyckeltjanst()
    n = 0
    for lista in Vantelista.objects.all().iterator():
        patienter = list(VantelistaPatient.objects.filter(lista=lista).only("pk", "nyckel", "chiffertext"))
        if not patienter:
            continue
        data_key = tjanst.unwrap(lista.region_id, bytes(lista.inslagen_nyckel))
        nummer = [
            falt._tolka(falt.decrypt(data_key, bytes(p.chiffertext), aad=aad(p.nyckel)))["personnummer"]
            for p in patienter
        ]
        for p, h in zip(patienter, pnr_hashar(lista.region_id, nummer), strict=True):
            p.pnr_hash = h
        VantelistaPatient.objects.bulk_update(patienter, ["pnr_hash"], batch_size=1000)
        n += len(patienter)
    return n
