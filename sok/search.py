"""Hitta vårdgivare: which units can take the patient, and in which order to propose them.

The proposal ("Förslag") is a transparent score 0–100: the weighted mean of part scores, each 0–100:
- väntetid: 100 · (1 − median/365), clipped; no figure → 0 (and the page says so)
- avstånd: 100 · (1 − km/1000), clipped; unknown position → 0
- pris: the cheapest usable agreement line among the results = 100, linear down to the most expensive = 0;
  one price only → 100; no usable line → 0
- avtal: a usable agreement line with volume left = 100, else 0
- förmåga: meets the patient's ASA class and anaesthesia need = 100 (units that do not are excluded)
The care guarantee comes first: a unit whose expected care date (the planned date + its median wait) falls after
the patient's guarantee date (the case's, or the planned date + the patient region's guarantee days) "klarar inte
vårdgarantin": its wait part scores 0 and it is ranked after every unit that does (or whose wait is unknown).
Ties are broken by distance, then name, then the offering's id (a stable order). Units that cannot take the
patient are excluded and counted by reason.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from avtal import api as avtal_api
from katalog import api as katalog_api
from katalog.api import KvaGrupp
from lagesbild import api as lagesbild_api
from sok.geo import haversine_km
from vardformedling import format as fmt

DEFAULT_VIKTER = {"vantetid": 4, "avstand": 2, "pris": 1, "avtal": 2, "formaga": 1, "kvalitet": 1}
DELNAMN = {
    "vantetid": "Väntetid",
    "avstand": "Avstånd",
    "pris": "Pris",
    "avtal": "Avtal med volym kvar",
    "formaga": "Förmåga (ASA/narkos)",
    "kvalitet": "Kvalitet (reoperation inom två år)",
}
# Quality part: 0 % reoperations within two years gives 100 points, REOPERATION_NOLL % or more gives 0.
REOPERATION_NOLL = 10

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
    vardgaranti: date | None = None  # the last day of the patient's care guarantee; None: not known, not checked
    prioritet: str | None = None  # the case's medical priority as SPOR groups it ("inom_4v"); None: not known
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


# The few columns the ranking needs; full model instances are loaded only for the page shown (`hydrera`).
Kandidat = katalog_api.Utbudsrad


@dataclass
class Traff:
    kandidat: Kandidat
    avstand_km: float | None
    vantetid: lagesbild_api.Vantetid | None = None
    prognos: lagesbild_api.Prognosvarde | None = None  # the forecast wait at the planned date, if shown
    rader: list[avtal_api.RadInfo] = field(default_factory=list)  # usable lines for this unit
    basta_rad: avtal_api.RadInfo | None = None  # the usable line with volume left and the lowest price
    delpoang: tuple[float, ...] = ()  # in DEFAULT_VIKTER order
    vikter: tuple[int, ...] = ()
    prisintervall: tuple = (None, None)  # cheapest and most expensive usable price among the results
    poang: float = 0.0
    forvantat: date | None = None  # expected care date: the planned date + the median wait
    vardgaranti: date | None = None  # the patient's guarantee date it was judged against
    klarar_vardgaranti: bool | None = None  # None: no guarantee date or no waiting figure to judge by
    vardutbud: katalog_api.Vardutbud | None = None  # with unit, provider, region; set by `hydrera`
    egen_region: str | None = None  # the patient's region: its own agreements come first when otherwise equal

    @property
    def namn(self) -> str:
        return self.kandidat.namn

    @property
    def delar(self) -> list[Delpoang]:
        """The part scores with weights and what they rest on ("Varför här?"); built only when shown."""
        return _delar(self)

    @property
    def enhet(self):
        if self.vardutbud is None:
            raise AttributeError("enhet: hydrera() har inte körts för träffen")
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

    @property
    def antal_klarar_inte_vardgaranti(self) -> int:
        return sum(t.klarar_vardgaranti is False for t in self.traffar)


def _clip(value: float) -> float:
    return max(0.0, min(100.0, value))


def vantetid_poang(median: int | None) -> float:
    return 0.0 if median is None else _clip(100 * (1 - median / 365))


def avstand_poang(km: float | None) -> float:
    return 0.0 if km is None else _clip(100 * (1 - km / 1000))


def kvalitet_poang(reoperation_andel: Decimal | None) -> float | None:
    """100 at no reoperations, falling linearly to 0 at REOPERATION_NOLL %; None when the measure is missing (the
    part then weighs nothing for that unit: "saknas")."""
    if reoperation_andel is None:
        return None
    return _clip(100 * (1 - float(reoperation_andel) / REOPERATION_NOLL))


def pris_poang(pris: Decimal | None, billigast: Decimal | None, dyrast: Decimal | None) -> float:
    if pris is None or billigast is None or dyrast is None:
        return 0.0
    if dyrast == billigast:
        return 100.0
    return _clip(float(100 * (dyrast - pris) / (dyrast - billigast)))


def har_volym(rad) -> bool:
    return rad.kvar is None or rad.kvar > 0


def basta_rad(rader: Iterable, egen_region: str | None = None):
    """The usable line with volume left and the lowest price (unpriced lines last); at the same price the patient's
    own region's agreement (a region lists its own agreements before other regions')."""
    med_volym = [r for r in rader if har_volym(r)]
    if not med_volym:
        return None
    return min(
        med_volym,
        key=lambda r: (r.pris_kr is None, r.pris_kr or 0, r.avtalsagare_kod != egen_region, r.rad_id),
    )


def eget_avtal(t) -> bool:
    """The unit's best line is an agreement of the patient's own region."""
    return bool(t.basta_rad and t.egen_region and t.basta_rad.avtalsagare_kod == t.egen_region)


def _median(vantetid) -> int | None:
    if vantetid is None or vantetid.undertryckt:
        return None
    return vantetid.median_dagar


def forvantat_datum(p: Sokparametrar, median: int | None) -> date | None:
    """When the patient can expect care at a unit: the planned date + the unit's median wait."""
    if median is None:
        return None
    try:
        return p.datum + timedelta(days=median)
    except OverflowError:  # a planned date near year 9999
        return date.max


def klarar_vardgaranti(forvantat: date | None, vardgaranti: date | None) -> bool | None:
    """Whether the expected care date is on or before the guarantee date; None when either is unknown."""
    if forvantat is None or vardgaranti is None:
        return None
    return forvantat <= vardgaranti


def _uteslut_fore(p: Sokparametrar, k: Kandidat, km: float | None) -> str | None:
    """The first reason, known from the catalogue alone, why this unit cannot take the patient."""
    if not k.aktiv:
        return "inaktiv"
    if p.asa and k.max_asa < p.asa:
        return "asa"
    if p.narkos and not k.narkos:
        return "narkos"
    if p.patientregion and not k.tar_emot_andra_regioner and k.region_id != p.patientregion:
        return "andra_regioner"
    if p.max_avstand is not None and (km is None or km > p.max_avstand):
        return "avstand"
    return None


def _uteslut_efter(p: Sokparametrar, traff: Traff) -> str | None:
    """Reasons that need the agreement and waiting-time figures."""
    if p.med_avtal and traff.basta_rad is None:
        return "avtal"
    if p.max_vantetid is not None:
        median = _median(traff.vantetid)
        if median is None or median > p.max_vantetid:
            return "vantetid"
    return None


def vantetidsurval(p: Sokparametrar) -> str | None:
    """The register's selection that matches the patient (issue #19 point 6): NCR's general anaesthesia when the
    patient needs it, SPOR's priority when the case gives one; None = every patient ("alla")."""
    if p.kva.register == "NCR" and p.narkos:
        return "narkos"
    if p.kva.register == "SPOR" and p.prioritet:
        return p.prioritet
    return None


def kandidater(p: Sokparametrar) -> list[Kandidat]:
    """The offering for the KVÅ group, narrowed by the plain filters (region, sjukvårdsregion, ownership)."""
    # Unordered: `rangordna` sorts, ending on name and offering id.
    return katalog_api.utbud_for_kva(
        kva_kod=p.kva.kod, region=p.region, sjukvardsregion=p.sjukvardsregion, agarform=p.agarform
    )


def sok(p: Sokparametrar) -> Sokresultat:
    """One search: one query for the candidates, one call each to the lägesbild and agreement interfaces
    (only for units the catalogue has not already excluded)."""
    alla = kandidater(p)
    uteslutna: Counter = Counter()
    kvar: list[Traff] = []
    for k in alla:
        km = None
        if p.referens and k.lat is not None and k.lon is not None:
            km = haversine_km(p.referens.lat, p.referens.lon, k.lat, k.lon)
        orsak = _uteslut_fore(p, k, km)
        if orsak:
            uteslutna[orsak] += 1
        else:
            kvar.append(Traff(kandidat=k, avstand_km=km))
    # Where a shown forecast covers the planned month, the ranking uses the expected wait then (#20); it is read
    # with the waiting times. Every unit's of the group: that answer is cached until a delivery or the nightly
    # forecasts change it (issue 15 point 8: its query was half the search's SQL time).
    vantetider, prognoser = (
        lagesbild_api.vantetider_och_prognoser(kva_kod=p.kva.kod, manad=p.datum, urval=vantetidsurval(p))
        if kvar
        else ({}, {})
    )
    rader: dict = {}
    if kvar and p.patientregion:
        # Only the units that offer the group; which units each agreement covers is cached (issue 15 point 8).
        rader = avtal_api.anvandbara_rader(
            kva_kod=p.kva.kod, region_kod=p.patientregion, datum=p.datum, bara_utbud=True
        )
    return rangordna(p, kvar, vantetider, rader, uteslutna=uteslutna, antal_kandidater=len(alla), prognoser=prognoser)


def rangordna(
    p: Sokparametrar,
    kvar: list[Traff],
    vantetider: dict,
    rader: dict,
    *,
    uteslutna: Counter,
    antal_kandidater: int,
    prognoser: dict | None = None,
) -> Sokresultat:
    """Excludes on agreements and waiting times, scores the rest and orders them (best first). `prognoser`: unit id
    → the forecast wait at the planned date, used instead of the register's median where present."""
    traffar: list[Traff] = []
    for t in kvar:
        enhet_id = t.kandidat.vardenhet_id
        t.vantetid = vantetider.get(enhet_id)
        t.prognos = (prognoser or {}).get(enhet_id)
        t.rader = list(rader.get(enhet_id, []))
        t.egen_region = p.patientregion
        t.basta_rad = basta_rad(t.rader, p.patientregion)
        orsak = _uteslut_efter(p, t)
        if orsak:
            uteslutna[orsak] += 1
        else:
            traffar.append(t)

    priser = [t.basta_rad.pris_kr for t in traffar if t.basta_rad and t.basta_rad.pris_kr is not None]
    billigast, dyrast = (min(priser), max(priser)) if priser else (None, None)
    vikter = tuple(p.vikter.get(k, d) for k, d in DEFAULT_VIKTER.items())
    utan_kvalitet = (*vikter[:-1], 0)  # a unit without the quality measure: the part is marked "saknas", not scored
    for t in traffar:
        pris = t.basta_rad.pris_kr if t.basta_rad else None
        median = _vantan(t)
        t.forvantat, t.vardgaranti = forvantat_datum(p, median), p.vardgaranti
        t.klarar_vardgaranti = klarar_vardgaranti(t.forvantat, t.vardgaranti)
        t.delpoang = (
            0.0 if t.klarar_vardgaranti is False else vantetid_poang(median),
            avstand_poang(t.avstand_km),
            pris_poang(pris, billigast, dyrast),
            100.0 if t.basta_rad else 0.0,
            100.0,  # capability: units that cannot take the patient were excluded above
            kvalitet if (kvalitet := kvalitet_poang(t.kandidat.reoperation_andel)) is not None else 0.0,
        )
        t.vikter = vikter if t.kandidat.reoperation_andel is not None else utan_kvalitet
        t.prisintervall = billigast, dyrast
        total = sum(t.vikter)
        t.poang = round(sum(d * w for d, w in zip(t.delpoang, t.vikter, strict=True)) / total, 1) if total else 0.0
    traffar.sort(
        key=lambda t: (
            t.klarar_vardgaranti is False,
            -t.poang,
            not eget_avtal(t),  # otherwise equal: the patient's own region's agreements first (issue #19 point 6)
            t.avstand_km is None,
            t.avstand_km or 0,
            t.kandidat.namn,
            t.kandidat.utbud_id,
        )
    )
    fmt = {"asa": p.asa, "max_avstand": p.max_avstand and f"{p.max_avstand:g}", "max_vantetid": p.max_vantetid}
    ordning = list(UTESLUTEN)
    texter = [
        f"{n} {UTESLUTEN[k].format(**fmt)}"
        for k, n in sorted(uteslutna.items(), key=lambda kv: (-kv[1], ordning.index(kv[0])))
    ]
    return Sokresultat(traffar=traffar, uteslutna=uteslutna, uteslutna_text=texter, antal_kandidater=antal_kandidater)


def _vantan(t: Traff) -> int | None:
    """The wait the ranking uses: the forecast at the planned date when there is one, else the latest median."""
    return t.prognos.median_dagar if t.prognos else _median(t.vantetid)


def _delar(t: Traff) -> list[Delpoang]:
    median = _vantan(t)
    pris = t.basta_rad.pris_kr if t.basta_rad else None
    billigast, dyrast = t.prisintervall
    k = t.kandidat
    forklaringar = [
        _vantetid_forklaring(t, median),
        f"{fmt.tal(t.avstand_km)}\u00a0km" if t.avstand_km is not None else "avstånd okänt – ger 0 poäng",
        f"{fmt.kr(round(pris))} (billigast {fmt.kr(round(billigast))}, dyrast {fmt.kr(round(dyrast))})"
        if pris is not None
        else "inget pris på användbart avtal – ger 0 poäng",
        (
            "användbart avtal med volym kvar"
            + (" – patientens egen regions avtal, visas först vid lika poäng" if eget_avtal(t) else "")
        )
        if t.basta_rad
        else ("takvolym nådd" if t.rader else "inget användbart avtal"),
        f"tar emot ASA 1–{k.max_asa}, {'narkos' if k.narkos else 'ej narkos'}",
        f"{fmt.procent(k.reoperation_andel, 1)} opererades om inom två år"
        if k.reoperation_andel is not None
        else "saknas – räknas inte in i poängen",
    ]
    return [
        Delpoang(nyckel, poang, vikt, text)
        for nyckel, poang, vikt, text in zip(DEFAULT_VIKTER, t.delpoang, t.vikter, forklaringar, strict=True)
    ]


def _vantetid_forklaring(t: Traff, median: int | None) -> str:
    prognos = t.prognos
    if prognos:  # named as what it is: a forecast, with its method and interval
        senaste = _median(t.vantetid)
        text = (
            f"förväntad väntetid vid planerat datum {fmt.dagar(median)} (prognos, {prognos.metod}; "
            f"{fmt.procent(80)} intervall "
            f"{fmt.antal(prognos.lag)}–{fmt.dagar(prognos.hog)}"
            + (f"; senaste median {fmt.dagar(senaste)}" if senaste is not None else "")
            + ")"
        )
        if t.klarar_vardgaranti is False:
            return f"{text} – klarar inte vårdgarantin (garantin löper ut {fmt.datum(t.vardgaranti)}) – ger 0 poäng"
        if t.klarar_vardgaranti:
            return f"{text} – inom vårdgarantin (t.o.m. {fmt.datum(t.vardgaranti)})"
        return text
    if median is None:
        return "uppgift saknas – ger 0 poäng" + (" (vårdgarantin kan inte prövas)" if t.vardgaranti else "")
    if t.vantetid and t.vantetid.urval != "alla":  # the register's figure for patients like this one
        return _vantetid_median_text(
            t, median, f" ({lagesbild_api.URVAL_TEXT.get(t.vantetid.urval, t.vantetid.urval)})"
        )
    return _vantetid_median_text(t, median, "")


def _vantetid_median_text(t: Traff, median: int, urval: str) -> str:
    if t.klarar_vardgaranti is False:
        return (
            f"median {fmt.dagar(median)}{urval} – klarar inte vårdgarantin (vård omkring {fmt.datum(t.forvantat)}, "
            f"garantin löper ut {fmt.datum(t.vardgaranti)}) – ger 0 poäng"
        )
    if t.klarar_vardgaranti:
        return f"median {fmt.dagar(median)}{urval} – inom vårdgarantin (t.o.m. {fmt.datum(t.vardgaranti)})"
    return f"median {fmt.dagar(median)}{urval}"


def hydrera(traffar: Iterable[Traff], kva: KvaGrupp | None = None) -> None:
    """Loads unit, provider and region for the results about to be shown (from the group's cached offering when
    `kva` is given, else one query)."""
    traffar = list(traffar)
    by_pk = katalog_api.utbud_med_enheter((t.kandidat.utbud_id for t in traffar), kva_kod=kva.kod if kva else None)
    for t in traffar:
        t.vardutbud = by_pk[t.kandidat.utbud_id]
