"""Föreslå fördelning: bulk offers for the step-2 cases of one KVÅ group, as a min-cost flow under volume caps.

Each (patient, unit) pair costs what the ranked search scores it (`sok.search.rangordna`, same parts and weights:
cost = 100 − score, ×10 as an integer); a unit that cannot meet the patient's guarantee date costs more than any
unit that can, so it is used only as a last resort; leaving a patient unmatched costs more still. Constraints: the
search's exclusions (ASA, anaesthesia, other regions, the patient's maximum distance), units the patient has
declined, and a usable agreement line with volume left (`avtal.api.anvandbara_rader`, reservations counted): flow
goes patient → unit → agreement line → sink, each line's arc capped by its volume left (a line shared by several
units of a provider is one cap), and a unit that has announced capacity for the group (katalog's capacity
announcements, active) takes no more patients than it announced. Solved with OR-Tools' SimpleMinCostFlow (exact).
`girigt` is the one-by-one baseline (list order, each patient's best unit with volume left) for the benchmark's
comparison.

Speed (issue 17 point 8): the pairs are scored per patient over arrays of the units (`_Enheter`, built once per
proposal), with the search's own part functions evaluated once per unit, per patient position or per price range,
so the scores are the search's to the last decimal; a pair becomes a `Par` with a `Traff` only when it is shown or
assigned (`Alternativ`).
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import cast, overload

import numpy as np

from avtal import api as avtal_api
from katalog import api as katalog_api
from lagesbild import api as lagesbild_api
from sok.geo import haversine_km, haversine_km_vektor
from sok.search import (
    DEFAULT_VIKTER,
    UTESLUTEN,
    Referens,
    Sokparametrar,
    Traff,
    _median,
    _uteslut_fore,
    basta_rad,
    forvantat_datum,
    klarar_vardgaranti,
    kvalitet_poang,
    pris_poang,
    rangordna,
    vantetid_poang,
)

SKALA = 10  # score points → integer cost
GARANTI_STRAFF = 100_000  # a guarantee breaker costs more than any pair that keeps the guarantee
EJ_MATCHAD = 10_000_000  # leaving a patient unmatched costs more than any assignment
OKAND_VANTETID_DAGAR = 365  # for the totals: a unit without a figure counts as a year

ORSAK_INGEN_ENHET = "ingen enhet kan ta emot patienten ({orsaker})"
ORSAK_VOLYM_SLUT = "volymen på de avtal som passar räckte inte (andra patienter fick platserna)"
ORSAK_AVBOJT = "patienten har tackat nej till alla enheter som passar"


@dataclass
class Patientfall:
    """What the matching needs of one case (no identity)."""

    pk: int
    case_id: str
    region_kod: str
    vardgaranti: date
    referens: Referens | None
    asa: int | None = None
    narkos: bool = False
    max_avstand: float | None = None
    avbojda: frozenset[int] = frozenset()  # unit ids the patient has declined before


@dataclass
class Par:
    patient: Patientfall
    traff: Traff  # the search's scored unit (delar = "Varför?")
    kostnad: int

    @property
    def enhet_id(self) -> int:
        return self.traff.kandidat.vardenhet_id

    @property
    def median(self) -> int | None:
        return _median(self.traff.vantetid)

    @property
    def dagar(self) -> int:
        m = self.median
        return OKAND_VANTETID_DAGAR if m is None else m


@dataclass
class Tilldelning:
    par: Par
    rad: object  # avtal.api.RadInfo
    sista_utvag: bool  # the unit does not meet the guarantee (used only because nothing better was left)


@dataclass
class Forslag:
    tilldelade: list[Tilldelning] = field(default_factory=list)
    ej_matchade: list[tuple[Patientfall, str]] = field(default_factory=list)
    alternativ: dict[int, Sequence[Par]] = field(default_factory=dict)  # patient pk → feasible units, best first

    @property
    def totala_dagar(self) -> int:
        return sum(t.par.dagar for t in self.tilldelade)

    @property
    def kostnad(self) -> int:
        return sum(t.par.kostnad for t in self.tilldelade) + EJ_MATCHAD * len(self.ej_matchade)


@dataclass
class Underlag:
    """The catalogue, waiting times and agreement lines for one group and region, read once."""

    kandidater: list
    vantetider: dict
    rader: dict  # unit id → [RadInfo]
    kapacitet: dict[int, int] | None = None  # unit id → patients it announced capacity for (units absent: no cap)
    _med_volym: set | None = None

    def med_volym(self) -> set:
        """Units with a usable line with volume left (`sok.search.basta_rad` is not None)."""
        if self._med_volym is None:
            self._med_volym = {e for e, rader in self.rader.items() if basta_rad(rader) is not None}
        return self._med_volym


def las_underlag(*, kva_kod: str, region_kod: str, datum: date) -> Underlag:
    ids = katalog_api.enheter_med_utbud(kva_kod)
    return Underlag(
        kandidater=katalog_api.utbud_for_kva(kva_kod=kva_kod),
        vantetider=lagesbild_api.vantetider_for_enheter(kva_kod=kva_kod, vardenhet_ids=ids),
        rader=avtal_api.anvandbara_rader(kva_kod=kva_kod, region_kod=region_kod, datum=datum, vardenhet_ids=ids),
        kapacitet=katalog_api.kapacitet_per_enhet(kva_kod=kva_kod, datum=datum),
    )


def par_for_patient(p: Patientfall, kva, underlag: Underlag, datum: date) -> tuple[list[Par], Counter]:
    """The patient's feasible units scored by the search (best first) and why the others were left out."""
    sp = Sokparametrar(
        kva=kva, asa=p.asa, narkos=p.narkos, max_avstand=p.max_avstand, med_avtal=True, patientregion=p.region_kod,
        referens=p.referens, datum=datum, vardgaranti=p.vardgaranti,
    )  # fmt: skip
    uteslutna: Counter = Counter()
    avbojda = 0
    kvar: list[Traff] = []
    med_volym = underlag.med_volym()
    for k in underlag.kandidater:
        if k.vardenhet_id in p.avbojda:
            avbojda += 1
            continue
        km = None
        if p.referens and k.lat is not None and k.lon is not None:
            km = haversine_km(p.referens.lat, p.referens.lon, k.lat, k.lon)
        orsak = _uteslut_fore(sp, k, km) or (None if k.vardenhet_id in med_volym else "avtal")
        if orsak:  # "avtal": the search's own exclusion (med_avtal), decided here before any scoring
            uteslutna[orsak] += 1
        else:
            kvar.append(Traff(kandidat=k, avstand_km=km))
    resultat = rangordna(sp, kvar, underlag.vantetider, underlag.rader, uteslutna=uteslutna, antal_kandidater=0)
    if avbojda:
        resultat.uteslutna["avbojt"] = avbojda
    par = [
        Par(p, t, round((100 - t.poang) * SKALA) + (GARANTI_STRAFF if t.klarar_vardgaranti is False else 0))
        for t in resultat.traffar
    ]
    return par, resultat.uteslutna


def _orsak(uteslutna: Counter, p: Patientfall) -> str:
    if uteslutna and set(uteslutna) == {"avbojt"}:
        return ORSAK_AVBOJT
    fmt = {"asa": p.asa, "max_avstand": p.max_avstand and f"{p.max_avstand:g}", "max_vantetid": None}
    texter = [
        f"{n} {UTESLUTEN[k].format(**fmt)}" if k in UTESLUTEN else f"{n} har patienten tackat nej till"
        for k, n in uteslutna.most_common()
    ]
    return ORSAK_INGEN_ENHET.format(orsaker="; ".join(texter) or "ingen enhet erbjuder vårdtjänsten")


class _Enheter:
    """The units as arrays, and what the search computes per unit alone, read once per proposal."""

    def __init__(self, underlag: Underlag, datum: date):
        k = underlag.kandidater
        self.k, self.underlag, self.datum = k, underlag, datum
        med_volym = underlag.med_volym()
        self.id = np.array([x.vardenhet_id for x in k], dtype=np.int64)
        self.utbud_id = np.array([x.utbud_id for x in k], dtype=np.int64)
        namn = sorted({x.namn for x in k})
        rang = {n: i for i, n in enumerate(namn)}
        self.namn_rang = np.array([rang[x.namn] for x in k], dtype=np.int64)
        self.bas = np.array([x.aktiv and x.vardenhet_id in med_volym for x in k], dtype=bool)
        self.max_asa = np.array([x.max_asa for x in k], dtype=np.int64)
        self.narkos = np.array([x.narkos for x in k], dtype=bool)
        self.andra = np.array([x.tar_emot_andra_regioner for x in k], dtype=bool)
        self.region = np.array([x.region_id for x in k], dtype=object)
        self.lat = np.array([x.lat if x.lat is not None and x.lon is not None else np.nan for x in k], dtype=np.float64)
        self.lon = np.array([x.lon if x.lat is not None and x.lon is not None else np.nan for x in k], dtype=np.float64)
        medianer = [_median(underlag.vantetider.get(x.vardenhet_id)) for x in k]
        self.har_median = np.array([m is not None for m in medianer], dtype=bool)
        self.median = np.array([m if m is not None else 0 for m in medianer], dtype=np.int64)
        self.vt_poang = np.array([vantetid_poang(m) for m in medianer], dtype=np.float64)
        # The quality part (issue 19): scored where the unit has the measure, else left out of score and weights.
        kvalitet = [kvalitet_poang(x.reoperation_andel) for x in k]
        self.har_kvalitet = np.array([v is not None for v in kvalitet], dtype=bool)
        self.kvalitet = np.array([v if v is not None else 0.0 for v in kvalitet], dtype=np.float64)
        self._km: dict = {}
        self._basta: dict = {}
        self._pris: dict = {}

    def km(self, ref: Referens | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(km, known, avstand part) to every unit from `ref`: `haversine_km` and `avstand_poang` over arrays."""
        nyckel = (ref.lat, ref.lon) if ref else None
        if nyckel not in self._km:
            if ref is None:
                km = np.full(len(self.k), np.nan)
            else:
                km = haversine_km_vektor(ref.lat, ref.lon, self.lat, self.lon)
            kant = ~np.isnan(km)
            poang = np.where(kant, np.clip(100 * (1 - np.nan_to_num(km) / 1000), 0.0, 100.0), 0.0)
            self._km[nyckel] = (km, kant, poang)
        return self._km[nyckel]

    def basta(self, region: str) -> tuple[list, np.ndarray, np.ndarray, list]:
        """Per unit for a patient region: the best line (`basta_rad`), its price as a float (nan: none), whether it
        is the region's own agreement, and the price as the search's Decimal."""
        if region not in self._basta:
            rader = [basta_rad(self.underlag.rader.get(x.vardenhet_id, []), region) for x in self.k]
            pris = [r.pris_kr if r is not None else None for r in rader]
            self._basta[region] = (
                rader,
                np.array([float(v) if v is not None else np.nan for v in pris], dtype=np.float64),
                np.array([r is not None and r.avtalsagare_kod == region for r in rader], dtype=bool),
                pris,
            )
        return self._basta[region]

    def pris_poang(self, region: str, billigast, dyrast) -> np.ndarray:
        nyckel = (region, billigast, dyrast)
        if nyckel not in self._pris:
            pris = self.basta(region)[3]
            self._pris[nyckel] = np.array([pris_poang(v, billigast, dyrast) for v in pris], dtype=np.float64)
        return self._pris[nyckel]


@dataclass
class _Rader:
    """One patient's feasible units in the search's order, with what a `Par` is built from."""

    idx: np.ndarray  # positions in `_Enheter`
    kostnad: np.ndarray
    klarar_inte: np.ndarray
    poang: list
    delar: tuple  # (vantetid, avstand, pris) part arrays
    prisintervall: tuple


class Alternativ(Sequence):
    """A patient's feasible units as `Par`, best first; each built (with its scored `Traff`) on first access."""

    def __init__(self, p: Patientfall, rader: _Rader | None, enheter: _Enheter | None):
        self.p, self.r, self.e = p, rader, enheter
        self._par: dict[int, Par] = {}

    def __len__(self) -> int:
        return 0 if self.r is None else len(self.r.idx)

    @overload
    def __getitem__(self, i: int) -> Par: ...
    @overload
    def __getitem__(self, i: slice) -> list[Par]: ...
    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i not in self._par:
            self._par[i] = self._bygg(i)
        return self._par[i]

    def _bygg(self, i: int) -> Par:
        e, r, p = cast(_Enheter, self.e), cast(_Rader, self.r), self.p
        j = int(r.idx[i])
        k = e.k[j]
        km_j = e.km(p.referens)[0][j]
        km = None if np.isnan(km_j) else float(km_j)
        basta = e.basta(p.region_kod)[0][j]
        sp = Sokparametrar(kva=None, datum=e.datum, vardgaranti=p.vardgaranti)  # type: ignore[arg-type]
        median = _median(e.underlag.vantetider.get(k.vardenhet_id))
        forvantat = forvantat_datum(sp, median)
        vikter = tuple(DEFAULT_VIKTER.values())
        if not e.har_kvalitet[j]:
            vikter = (*vikter[:-1], 0)  # "saknas": not scored, as `rangordna` does
        t = Traff(
            kandidat=k, avstand_km=km, vantetid=e.underlag.vantetider.get(k.vardenhet_id),
            rader=list(e.underlag.rader.get(k.vardenhet_id, [])), basta_rad=basta,
            delpoang=(float(r.delar[0][i]), float(r.delar[1][i]), float(r.delar[2][i]), 100.0, 100.0,
                      float(e.kvalitet[j])),
            vikter=vikter, prisintervall=r.prisintervall, poang=r.poang[i], forvantat=forvantat,
            vardgaranti=p.vardgaranti, klarar_vardgaranti=klarar_vardgaranti(forvantat, p.vardgaranti),
            egen_region=p.region_kod,
        )  # fmt: skip
        return Par(p, t, int(r.kostnad[i]))


VIKTER = np.array(list(DEFAULT_VIKTER.values()), dtype=np.float64)


def _round1(x: np.ndarray) -> np.ndarray:
    """Python's round(v, 1) of each value: rint(v × 10) / 10, except where v × 10 lies within a hair of a half,
    which Python decides on the exact binary value (those few are rounded by Python itself)."""
    tio = x * 10
    ut = np.rint(tio) / 10
    nara = np.flatnonzero(np.abs(tio - np.floor(tio) - 0.5) < 1e-6)
    for i in nara.tolist():
        ut[i] = round(float(x[i]), 1)
    return ut


def _rader_for(p: Patientfall, e: _Enheter) -> _Rader | None:
    """The patient's feasible units scored as `rangordna` scores them (same parts, weights and rounding) and ordered
    as it orders them; None when no unit can take the patient."""
    km, kant, avstand = e.km(p.referens)
    ok = e.bas.copy()
    if p.asa:
        ok &= e.max_asa >= p.asa
    if p.narkos:
        ok &= e.narkos
    if p.region_kod:
        ok &= e.andra | (e.region == p.region_kod)
    if p.max_avstand is not None:
        ok &= kant & (np.nan_to_num(km, nan=np.inf) <= p.max_avstand)
    if p.avbojda:
        ok &= ~np.isin(e.id, list(p.avbojda))
    idx = np.flatnonzero(ok)
    if not len(idx):
        return None
    dagar_kvar = (p.vardgaranti - e.datum).days
    klarar_inte = e.har_median[idx] & (e.median[idx] > dagar_kvar)
    vt = np.where(klarar_inte, 0.0, e.vt_poang[idx])
    _, pris_f, eget, pris_dec = e.basta(p.region_kod)
    priser = pris_f[idx]
    prissatta = ~np.isnan(priser)
    if prissatta.any():
        billigast = pris_dec[int(idx[prissatta][np.argmin(priser[prissatta])])]
        dyrast = pris_dec[int(idx[prissatta][np.argmax(priser[prissatta])])]
    else:
        billigast = dyrast = None
    pr = e.pris_poang(p.region_kod, billigast, dyrast)[idx]
    av = avstand[idx]
    # Python's sum over the weighted parts, term by term in the same order, then its round(…, 1): the same floats.
    har_kvalitet = e.har_kvalitet[idx]
    summa = vt * VIKTER[0] + av * VIKTER[1] + pr * VIKTER[2] + 100.0 * VIKTER[3] + 100.0 * VIKTER[4]
    summa = summa + np.where(har_kvalitet, e.kvalitet[idx] * VIKTER[5], 0.0)
    poang_a = _round1(summa / np.where(har_kvalitet, VIKTER.sum(), VIKTER[:5].sum()))
    poang = poang_a.tolist()
    kostnad = np.rint((100 - poang_a) * SKALA).astype(np.int64) + np.where(klarar_inte, GARANTI_STRAFF, 0)
    km_i = km[idx]
    ordning = np.lexsort((
        e.utbud_id[idx], e.namn_rang[idx], np.nan_to_num(km_i, nan=0.0), ~kant[idx], ~eget[idx], -poang_a, klarar_inte,
    ))  # fmt: skip
    return _Rader(
        idx=idx[ordning], kostnad=kostnad[ordning], klarar_inte=klarar_inte[ordning],
        poang=[poang[i] for i in ordning], delar=(vt[ordning], av[ordning], pr[ordning]),
        prisintervall=(billigast, dyrast),
    )  # fmt: skip


def _alternativ(patienter: list[Patientfall], kva, underlag: Underlag, datum: date, forslag: "Forslag"):
    """Fills `forslag.alternativ` (and the unmatchable patients with why); returns the units' arrays."""
    e = _Enheter(underlag, datum)
    for p in patienter:
        rader = _rader_for(p, e)
        forslag.alternativ[p.pk] = Alternativ(p, rader, e)
        if rader is None:
            _, uteslutna = par_for_patient(p, kva, underlag, datum)  # the search's own reasons, rarely needed
            forslag.ej_matchade.append((p, _orsak(uteslutna, p)))
    return e


def _linjer(enhet_ids, rader: dict) -> dict[int, list]:
    """The usable lines with volume left of each unit."""
    return {e: [r for r in rader.get(e, []) if r.kvar is None or r.kvar > 0] for e in enhet_ids}


def foresla(patienter: list[Patientfall], kva, underlag: Underlag, datum: date) -> Forslag:
    """The cheapest assignment (min-cost flow) under the lines' volume left and the units' announced capacity."""
    from ortools.graph.python import min_cost_flow

    forslag = Forslag()
    e = _alternativ(patienter, kva, underlag, datum, forslag)
    aktuella = [p for p in patienter if forslag.alternativ[p.pk]]
    if not aktuella:
        return forslag
    antal = len(aktuella)
    kapacitet = underlag.kapacitet or {}
    # Nodes: 0 source, 1 sink, patients 2…, units (by position), announced-capacity nodes, lines.
    P, U = 2, 2 + antal
    K = U + len(e.k)
    anvanda = sorted({int(j) for p in aktuella for j in cast(_Rader, cast(Alternativ, forslag.alternativ[p.pk]).r).idx})
    linjer = _linjer([e.k[j].vardenhet_id for j in anvanda], underlag.rader)
    rad_nod: dict[int, int] = {}
    sedda: dict[int, avtal_api.RadInfo] = {}
    for rader in linjer.values():
        for r in rader:
            if r.rad_id not in rad_nod:
                rad_nod[r.rad_id] = K + len(e.k) + len(rad_nod)
                sedda[r.rad_id] = r
    svans, huvud, kap, kost = [], [], [], []
    for i, p in enumerate(aktuella):
        r = cast(_Rader, cast(Alternativ, forslag.alternativ[p.pk]).r)
        n = len(r.idx)
        svans += [0, P + i, *([P + i] * n)]
        huvud += [P + i, 1, *(U + r.idx).tolist()]
        kap += [1, 1, *([1] * n)]
        kost += [0, EJ_MATCHAD, *r.kostnad.tolist()]
    rad_bagar: list[tuple[int, int, avtal_api.RadInfo]] = []  # (arc index, unit id, line)

    def bage(fran: int, till: int, kapacitet: int, kostnad: int = 0) -> int:
        svans.append(fran)
        huvud.append(till)
        kap.append(kapacitet)
        kost.append(kostnad)
        return len(svans) - 1

    for j in anvanda:
        enhet_id = e.k[j].vardenhet_id
        fran = U + j
        if enhet_id in kapacitet:  # the unit takes no more than it announced
            fran = K + j
            bage(U + j, fran, kapacitet[enhet_id])
        for r in linjer[enhet_id]:
            rad_bagar.append((bage(fran, rad_nod[r.rad_id], antal), enhet_id, r))
    for rad_id, r in sedda.items():
        bage(rad_nod[rad_id], 1, antal if r.kvar is None else r.kvar)
    smcf = min_cost_flow.SimpleMinCostFlow()
    bagar = smcf.add_arcs_with_capacity_and_unit_cost(
        np.array(svans, dtype=np.int32), np.array(huvud, dtype=np.int32),
        np.array(kap, dtype=np.int64), np.array(kost, dtype=np.int64),
    )  # fmt: skip
    smcf.set_node_supply(0, antal)
    smcf.set_node_supply(1, -antal)
    status = smcf.solve()
    if status != smcf.OPTIMAL:  # cannot happen: every patient has the unmatched arc
        raise RuntimeError(f"min-cost flow: status {status}")
    floden = smcf.flows(bagar)
    # The patient arcs are, per patient, [source→p, p→sink, p→units…]: pick the unit arcs.
    par_floden = []
    pos = 0
    for p in aktuella:
        n = len(forslag.alternativ[p.pk])
        par_floden.append(floden[pos + 2 : pos + 2 + n])
        pos += 2 + n
    # Which line each unit's patients use: hand out the unit → line flows in order.
    per_enhet: dict[int, list] = {}
    for bage_nr, enhet_id, r in rad_bagar:
        per_enhet.setdefault(enhet_id, []).extend([r] * int(floden[bage_nr]))
    matchade = set()
    for p, f in zip(aktuella, par_floden, strict=True):
        for pos_i in np.flatnonzero(f):
            x = forslag.alternativ[p.pk][int(pos_i)]
            rad = per_enhet[x.enhet_id].pop()
            forslag.tilldelade.append(Tilldelning(x, rad, x.traff.klarar_vardgaranti is False))
            matchade.add(p.pk)
    for p in aktuella:
        if p.pk not in matchade:
            forslag.ej_matchade.append((p, ORSAK_VOLYM_SLUT))
    ordning = {p.pk: i for i, p in enumerate(patienter)}
    forslag.tilldelade.sort(key=lambda t: ordning[t.par.patient.pk])
    forslag.ej_matchade.sort(key=lambda x: ordning[x[0].pk])
    return forslag


def girigt(patienter: list[Patientfall], kva, underlag: Underlag, datum: date) -> Forslag:
    """One by one in list order: each patient's best unit (the search's order) that still has volume left (and
    announced capacity left, where the unit announced any)."""
    forslag = Forslag()
    e = _alternativ(patienter, kva, underlag, datum, forslag)
    kvar: dict[int, int | None] = {}
    kapacitet = dict(underlag.kapacitet or {})
    for p in patienter:
        alt = cast(Alternativ, forslag.alternativ[p.pk])
        if not alt:
            continue
        r = cast(_Rader, alt.r)
        vald = None
        for pos in np.argsort(r.kostnad, kind="stable").tolist():
            enhet_id = e.k[int(r.idx[pos])].vardenhet_id
            if kapacitet.get(enhet_id, 1) <= 0:
                continue
            for rad in underlag.rader.get(enhet_id, []):
                left = kvar.setdefault(rad.rad_id, rad.kvar)
                if left is None or left > 0:
                    vald = (pos, rad)
                    break
            if vald:
                break
        if vald is None:
            forslag.ej_matchade.append((p, ORSAK_VOLYM_SLUT))
            continue
        pos, rad = vald
        x = alt[pos]
        rest = kvar[rad.rad_id]
        if rest is not None:
            kvar[rad.rad_id] = rest - 1
        if x.enhet_id in kapacitet:
            kapacitet[x.enhet_id] -= 1
        forslag.tilldelade.append(Tilldelning(x, rad, x.traff.klarar_vardgaranti is False))
    ordning = {p.pk: i for i, p in enumerate(patienter)}
    forslag.ej_matchade.sort(key=lambda x: ordning[x[0].pk])
    return forslag
