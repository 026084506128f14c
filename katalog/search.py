"""Hitta vårdgivare: which units can take the patient, and in which order to propose them.

The proposal ("Förslag") is a transparent score 0–100: the weighted mean of part scores, each 0–100:
- väntetid: 100 · (1 − median/365), clipped; no figure → 0 (and the page says so)
- avstånd: 100 · (1 − km/1000), clipped; unknown position → 0
- pris: the cheapest usable agreement line among the results = 100, linear down to the most expensive = 0;
  one price only → 100; no usable line → 0
- avtal: a usable agreement line with volume left = 100, else 0
- förmåga: meets the patient's ASA class and anaesthesia need = 100 (units that do not are excluded)
Ties are broken by distance, then name. Units that cannot take the patient are excluded and counted by reason.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from avtal import api as avtal_api
from katalog.geo import haversine_km
from katalog.models import KvaGrupp, Vardutbud
from lagesbild import api as lagesbild_api

DEFAULT_VIKTER = {"vantetid": 4, "avstand": 2, "pris": 1, "avtal": 2, "formaga": 1}
DELNAMN = {
    "vantetid": "Väntetid",
    "avstand": "Avstånd",
    "pris": "Pris",
    "avtal": "Avtal med volym kvar",
    "formaga": "Förmåga (ASA/narkos)",
}

# Exclusion reasons: key → template for "n enheter …" (the count goes first)
UTESLUTEN = {
    "inaktiv": "är inaktiva",
    "asa": "tar inte emot ASA {asa}",
    "narkos": "kan inte operera i narkos",
    "andra_regioner": "tar inte emot patienter från andra regioner",
    "avtal": "saknar användbart avtal med volym kvar",
    "avstand": "ligger längre bort än {max_avstand} km eller saknar position",
    "vantetid": "har längre medianväntetid än {max_vantetid} dagar eller saknar uppgift",
}


@dataclass(frozen=True)
class Referens:
    lat: float
    lon: float
    etikett: str


@dataclass
class Sokparametrar:
    kva: KvaGrupp
    region: str | None = None
    sjukvardsregion: str | None = None
    agarform: str | None = None
    max_avstand: float | None = None
    asa: int | None = None
    narkos: bool = False
    med_avtal: bool = False
    max_vantetid: int | None = None
    patientregion: str | None = None
    referens: Referens | None = None
    datum: date = field(default_factory=date.today)
    vikter: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_VIKTER))


@dataclass
class Delpoang:
    nyckel: str
    poang: float
    vikt: int
    forklaring: str

    @property
    def namn(self) -> str:
        return DELNAMN[self.nyckel]


@dataclass
class Traff:
    vardutbud: Vardutbud
    avstand_km: float | None
    vantetid: object | None  # lagesbild.api.Vantetid
    rader: list  # avtal.api.RadInfo, usable lines for this unit
    basta_rad: object | None = None  # the usable line with volume left and the lowest price
    delar: list[Delpoang] = field(default_factory=list)
    poang: float = 0.0

    @property
    def enhet(self):
        return self.vardutbud.vardenhet


@dataclass
class Sokresultat:
    traffar: list[Traff]
    uteslutna: Counter
    uteslutna_text: list[str]
    antal_kandidater: int

    @property
    def antal_uteslutna(self) -> int:
        return sum(self.uteslutna.values())


def hitta_kva(q: str, grupper: Iterable[KvaGrupp]) -> list[KvaGrupp]:
    """KVÅ groups matching free text: an exact code first, else code prefix, name or care area containing it."""
    q = (q or "").strip().lower()
    if not q:
        return []
    grupper = list(grupper)
    exact = [k for k in grupper if k.kod.lower() == q]
    if exact:
        return exact
    return [k for k in grupper if k.kod.lower().startswith(q) or q in k.benamning.lower() or q in k.vardomrade.lower()]


def _clip(value: float) -> float:
    return max(0.0, min(100.0, value))


def vantetid_poang(median: int | None) -> float:
    return 0.0 if median is None else _clip(100 * (1 - median / 365))


def avstand_poang(km: float | None) -> float:
    return 0.0 if km is None else _clip(100 * (1 - km / 1000))


def pris_poang(pris: Decimal | None, billigast: Decimal | None, dyrast: Decimal | None) -> float:
    if pris is None or billigast is None or dyrast is None:
        return 0.0
    if dyrast == billigast:
        return 100.0
    return _clip(float(100 * (dyrast - pris) / (dyrast - billigast)))


def har_volym(rad) -> bool:
    return rad.kvar is None or rad.kvar > 0


def basta_rad(rader: Iterable):
    """The usable line with volume left and the lowest price (unpriced lines last)."""
    med_volym = [r for r in rader if har_volym(r)]
    if not med_volym:
        return None
    return min(med_volym, key=lambda r: (r.pris_kr is None, r.pris_kr or 0, r.rad_id))


def viktat_medel(delar: list[Delpoang]) -> float:
    total = sum(d.vikt for d in delar)
    return round(sum(d.poang * d.vikt for d in delar) / total, 1) if total else 0.0


def _median(vantetid) -> int | None:
    if vantetid is None or vantetid.undertryckt:
        return None
    return vantetid.median_dagar


def _uteslut(p: Sokparametrar, vu: Vardutbud, traff: Traff) -> str | None:
    """The first reason this unit cannot take the patient, or None."""
    enhet = vu.vardenhet
    if not enhet.aktiv:
        return "inaktiv"
    if p.asa and vu.max_asa < p.asa:
        return "asa"
    if p.narkos and not vu.narkos:
        return "narkos"
    if p.patientregion and not vu.tar_emot_andra_regioner and enhet.region_id != p.patientregion:
        return "andra_regioner"
    if p.med_avtal and traff.basta_rad is None:
        return "avtal"
    if p.max_avstand is not None and (traff.avstand_km is None or traff.avstand_km > p.max_avstand):
        return "avstand"
    if p.max_vantetid is not None:
        median = _median(traff.vantetid)
        if median is None or median > p.max_vantetid:
            return "vantetid"
    return None


def kandidater(p: Sokparametrar):
    """The offering for the KVÅ group, narrowed by the plain filters (region, sjukvårdsregion, ownership)."""
    qs = Vardutbud.objects.filter(kva=p.kva).select_related("vardenhet__vardgivare", "vardenhet__region")
    if p.region:
        qs = qs.filter(vardenhet__region_id=p.region)
    if p.sjukvardsregion:
        qs = qs.filter(vardenhet__region__sjukvardsregion=p.sjukvardsregion)
    if p.agarform:
        qs = qs.filter(vardenhet__vardgivare__agarform=p.agarform)
    return qs


def sok(p: Sokparametrar) -> Sokresultat:
    """One search: one query for the candidates, one call each to the lägesbild and agreement interfaces."""
    utbud = list(kandidater(p))
    ids = [vu.vardenhet_id for vu in utbud]
    vantetider = lagesbild_api.vantetider_for_enheter(kva_kod=p.kva.kod, vardenhet_ids=ids) if ids else {}
    rader: dict = {}
    if ids and p.patientregion:
        rader = avtal_api.anvandbara_rader(
            kva_kod=p.kva.kod, region_kod=p.patientregion, datum=p.datum, vardenhet_ids=ids
        )
    return rangordna(p, utbud, vantetider, rader)


def rangordna(p: Sokparametrar, utbud: list[Vardutbud], vantetider: dict, rader: dict) -> Sokresultat:
    """Excludes units that cannot take the patient, scores the rest and orders them (best first)."""
    uteslutna: Counter = Counter()
    traffar: list[Traff] = []
    for vu in utbud:
        enhet = vu.vardenhet
        km = None
        if p.referens and enhet.lat is not None and enhet.lon is not None:
            km = haversine_km(p.referens.lat, p.referens.lon, enhet.lat, enhet.lon)
        enhetens_rader = list(rader.get(enhet.pk, []))
        traff = Traff(
            vardutbud=vu,
            avstand_km=km,
            vantetid=vantetider.get(enhet.pk),
            rader=enhetens_rader,
            basta_rad=basta_rad(enhetens_rader),
        )
        orsak = _uteslut(p, vu, traff)
        if orsak:
            uteslutna[orsak] += 1
        else:
            traffar.append(traff)

    priser = [t.basta_rad.pris_kr for t in traffar if t.basta_rad and t.basta_rad.pris_kr is not None]
    billigast, dyrast = (min(priser), max(priser)) if priser else (None, None)
    v = {k: p.vikter.get(k, DEFAULT_VIKTER[k]) for k in DEFAULT_VIKTER}
    for t in traffar:
        median = _median(t.vantetid)
        pris = t.basta_rad.pris_kr if t.basta_rad else None
        t.delar = [
            Delpoang(
                "vantetid",
                vantetid_poang(median),
                v["vantetid"],
                f"median {median} dagar" if median is not None else "uppgift saknas – ger 0 poäng",
            ),
            Delpoang(
                "avstand",
                avstand_poang(t.avstand_km),
                v["avstand"],
                f"{t.avstand_km:.0f} km" if t.avstand_km is not None else "avstånd okänt – ger 0 poäng",
            ),
            Delpoang(
                "pris",
                pris_poang(pris, billigast, dyrast),
                v["pris"],
                f"{pris:.0f} kr (billigast {billigast:.0f}, dyrast {dyrast:.0f})"
                if pris is not None
                else "inget pris på användbart avtal – ger 0 poäng",
            ),
            Delpoang(
                "avtal",
                100.0 if t.basta_rad else 0.0,
                v["avtal"],
                "användbart avtal med volym kvar"
                if t.basta_rad
                else ("takvolym nådd" if t.rader else "inget användbart avtal"),
            ),
            Delpoang(
                "formaga",
                100.0,
                v["formaga"],
                f"tar emot ASA 1–{t.vardutbud.max_asa}, {'narkos' if t.vardutbud.narkos else 'ej narkos'}",
            ),
        ]
        t.poang = viktat_medel(t.delar)
    traffar.sort(key=lambda t: (-t.poang, t.avstand_km is None, t.avstand_km or 0, t.enhet.namn))
    fmt = {"asa": p.asa, "max_avstand": p.max_avstand and f"{p.max_avstand:g}", "max_vantetid": p.max_vantetid}
    texter = [f"{n} {UTESLUTEN[k].format(**fmt)}" for k, n in uteslutna.most_common()]
    return Sokresultat(traffar=traffar, uteslutna=uteslutna, uteslutna_text=texter, antal_kandidater=len(utbud))
