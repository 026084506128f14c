"""Föreslå fördelning: bulk offers for the step-2 cases of one KVÅ group, as a min-cost flow under volume caps.

Each (patient, unit) pair costs what the ranked search scores it (`sok.search.rangordna`, same parts and weights:
cost = 100 − score, ×10 as an integer); a unit that cannot meet the patient's guarantee date costs more than any
unit that can, so it is used only as a last resort; leaving a patient unmatched costs more still. Constraints: the
search's exclusions (ASA, anaesthesia, other regions, the patient's maximum distance), units the patient has
declined, and a usable agreement line with volume left (`avtal.api.anvandbara_rader`, reservations counted): flow
goes patient → unit → agreement line → sink, each line's arc capped by its volume left (a line shared by several
units of a provider is one cap). Solved with OR-Tools' SimpleMinCostFlow (exact). `girigt` is the one-by-one
baseline (list order, each patient's best unit with volume left) for the benchmark's comparison.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from avtal import api as avtal_api
from katalog import api as katalog_api
from lagesbild import api as lagesbild_api
from sok.geo import haversine_km
from sok.search import UTESLUTEN, Referens, Sokparametrar, Traff, _median, _uteslut_fore, basta_rad, rangordna

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
    alternativ: dict[int, list[Par]] = field(default_factory=dict)  # patient pk → feasible units, best first

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


def _linjer(par: list[Par], rader: dict) -> dict[int, list]:
    """The usable lines with volume left of each unit in `par`."""
    return {e: [r for r in rader.get(e, []) if r.kvar is None or r.kvar > 0] for e in {x.enhet_id for x in par}}


def foresla(patienter: list[Patientfall], kva, underlag: Underlag, datum: date) -> Forslag:
    """The cheapest assignment (min-cost flow) under the lines' volume left."""
    from ortools.graph.python import min_cost_flow

    forslag = Forslag()
    alla_par: list[Par] = []
    for p in patienter:
        par, uteslutna = par_for_patient(p, kva, underlag, datum)
        forslag.alternativ[p.pk] = par
        if not par:
            forslag.ej_matchade.append((p, _orsak(uteslutna, p)))
        alla_par.extend(par)
    aktuella = [p for p in patienter if forslag.alternativ[p.pk]]
    if not aktuella:
        return forslag
    linjer = _linjer(alla_par, underlag.rader)
    # Nodes: 0 source, 1 sink, patients, units, lines.
    nod: dict = {}

    def n(nyckel) -> int:
        if nyckel not in nod:
            nod[nyckel] = len(nod) + 2
        return nod[nyckel]

    smcf = min_cost_flow.SimpleMinCostFlow()
    antal = len(aktuella)
    par_bage: dict[int, Par] = {}
    for p in aktuella:
        smcf.add_arc_with_capacity_and_unit_cost(0, n(("p", p.pk)), 1, 0)
        smcf.add_arc_with_capacity_and_unit_cost(n(("p", p.pk)), 1, 1, EJ_MATCHAD)
        for x in forslag.alternativ[p.pk]:
            bage = smcf.add_arc_with_capacity_and_unit_cost(n(("p", p.pk)), n(("e", x.enhet_id)), 1, x.kostnad)
            par_bage[bage] = x
    rad_bagar: dict[int, tuple[int, avtal_api.RadInfo]] = {}
    sedda_rader: dict[int, avtal_api.RadInfo] = {}
    for e, rader in linjer.items():
        for r in rader:
            bage = smcf.add_arc_with_capacity_and_unit_cost(n(("e", e)), n(("r", r.rad_id)), antal, 0)
            rad_bagar[bage] = (e, r)
            sedda_rader[r.rad_id] = r
    for rad_id, r in sedda_rader.items():
        smcf.add_arc_with_capacity_and_unit_cost(n(("r", rad_id)), 1, antal if r.kvar is None else r.kvar, 0)
    smcf.set_node_supply(0, antal)
    smcf.set_node_supply(1, -antal)
    status = smcf.solve()
    if status != smcf.OPTIMAL:  # cannot happen: every patient has the unmatched arc
        raise RuntimeError(f"min-cost flow: status {status}")
    # Which line each unit's patients use: hand out the unit → line flows in order.
    per_enhet: dict[int, list] = {}
    for bage, (e, r) in rad_bagar.items():
        per_enhet.setdefault(e, []).extend([r] * smcf.flow(bage))
    matchade = set()
    for bage, x in par_bage.items():
        if smcf.flow(bage):
            rad = per_enhet[x.enhet_id].pop()
            forslag.tilldelade.append(Tilldelning(x, rad, x.traff.klarar_vardgaranti is False))
            matchade.add(x.patient.pk)
    for p in aktuella:
        if p.pk not in matchade:
            forslag.ej_matchade.append((p, ORSAK_VOLYM_SLUT))
    ordning = {p.pk: i for i, p in enumerate(patienter)}
    forslag.tilldelade.sort(key=lambda t: ordning[t.par.patient.pk])
    forslag.ej_matchade.sort(key=lambda x: ordning[x[0].pk])
    return forslag


def girigt(patienter: list[Patientfall], kva, underlag: Underlag, datum: date) -> Forslag:
    """One by one in list order: each patient's best unit (the search's order) that still has volume left."""
    forslag = Forslag()
    kvar: dict[int, int | None] = {}
    for p in patienter:
        par, uteslutna = par_for_patient(p, kva, underlag, datum)
        forslag.alternativ[p.pk] = par
        if not par:
            forslag.ej_matchade.append((p, _orsak(uteslutna, p)))
            continue
        vald = None
        for x in sorted(par, key=lambda x: x.kostnad):
            for r in underlag.rader.get(x.enhet_id, []):
                left = kvar.setdefault(r.rad_id, r.kvar)
                if left is None or left > 0:
                    vald = (x, r)
                    break
            if vald:
                break
        if vald is None:
            forslag.ej_matchade.append((p, ORSAK_VOLYM_SLUT))
            continue
        x, r = vald
        rest = kvar[r.rad_id]
        if rest is not None:
            kvar[r.rad_id] = rest - 1
        forslag.tilldelade.append(Tilldelning(x, r, x.traff.klarar_vardgaranti is False))
    return forslag
