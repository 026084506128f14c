"""Who on the waiting lists will miss the care guarantee (issue 17, point 2).

Per patient: the guarantee date (`Region.vardgaranti_datum`: decision date + the region's guarantee days) and the
expected treatment date at the home unit (decision date + the home unit's current median wait for the group from the
lägesbild, or its shown forecast for the month that date falls in (#20); else the region's register total; else the
nation's; the source is named). The state is "har passerat vårdgarantin" (guarantee date before today), "riskerar att
passera" (expected date after the guarantee date) or "inom garantin". Also: how many other units offering the group
could treat the patient before the guarantee date (today + their median wait ≤ the guarantee date).
"""

import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from arenden.vantelista.models import ListStatus, VantelistaPatient
from katalog import api as katalog_api
from lagesbild import api as lagesbild_api
from vardformedling import referensdata

PASSERAT = "passerat"
RISK = "risk"
INOM = "inom"
LAMNAT = "lamnat"
TILLSTAND = {
    PASSERAT: "har passerat vårdgarantin",
    RISK: "riskerar att passera",
    INOM: "inom garantin",
    LAMNAT: "lämnat listan",
}
KALLA_ENHET = "hemenhetens median"
KALLA_PROGNOS = "hemenhetens prognos"
KALLA_REGION = "regionens median"
KALLA_RIKET = "rikets median"
KALLA_SAKNAS = "ingen väntetid känd"


@dataclass
class Risk:
    patient: VantelistaPatient
    garanti_datum: date
    forvantat_datum: date | None
    median_dagar: int | None
    median_kalla: str
    tillstand: str
    enheter_fore_garanti: int

    @property
    def tillstand_text(self) -> str:
        return TILLSTAND[self.tillstand]

    @property
    def dagar_over(self) -> int | None:
        """How many days after the guarantee date the expected date falls (negative: before)."""
        return (self.forvantat_datum - self.garanti_datum).days if self.forvantat_datum else None


def _median(v) -> int | None:
    return v.median_dagar if v is not None and v.median_dagar is not None else None


class Medianer:
    """The lägesbild's medians for the groups asked about, read once per group (four queries per group)."""

    def __init__(self):
        self._enheter: dict[str, dict[int, int]] = {}
        self._regioner: dict[str, dict[str | None, int]] = {}
        self._andra: dict[str, list[tuple[int, int]]] = {}

    def _las(self, kva: str) -> None:
        if kva in self._enheter:
            return
        figurer = lagesbild_api.vantetider_for_enheter(kva_kod=kva, vardenhet_ids=katalog_api.enheter_med_utbud(kva))
        self._enheter[kva] = {e: m for e, v in figurer.items() if (m := _median(v)) is not None}
        self._regioner[kva] = {
            r: m for r, v in lagesbild_api.medianer_for_regioner(kva_kod=kva).items() if (m := _median(v)) is not None
        }
        self._andra[kva] = sorted((m, e) for e, m in self._enheter[kva].items())

    def for_patient(self, kva: str, enhet_id: int, region_kod: str) -> tuple[int | None, str]:
        self._las(kva)
        if (m := self._enheter[kva].get(enhet_id)) is not None:
            return m, KALLA_ENHET
        if (m := self._regioner[kva].get(region_kod)) is not None:
            return m, KALLA_REGION
        if (m := self._regioner[kva].get(None)) is not None:
            return m, KALLA_RIKET
        return None, KALLA_SAKNAS

    def enheter_fore(self, kva: str, hemenhet_id: int, dagar_kvar: int) -> int:
        """Units other than the home unit whose median wait from today ends on or before the guarantee date."""
        self._las(kva)
        if dagar_kvar < 0:
            return 0
        andra = self._andra[kva]
        n = bisect.bisect_right(andra, (dagar_kvar, float("inf")))
        hem = self._enheter[kva].get(hemenhet_id)
        return n - (1 if hem is not None and hem <= dagar_kvar else 0)


class Prognoser:
    """The home units' shown forecasts (lagesbild.prognos) for the groups asked about, one query per group."""

    def __init__(self):
        self._per_kva: dict[str, dict] = {}

    def vid(self, kva: str, enhet_id: int, manad: date):
        """The unit's shown forecast for the month of `manad`, or None."""
        if kva not in self._per_kva:
            ids = katalog_api.enheter_med_utbud(kva)
            self._per_kva[kva] = lagesbild_api.prognosmanader(kva_kod=kva, vardenhet_ids=ids)
        return self._per_kva[kva].get(enhet_id, {}).get(f"{manad:%Y-%m}")


def forvantat_datum(
    medianer: Medianer, prognoser: Prognoser, lista, beslutsdatum: date
) -> tuple[date | None, int | None, str]:
    """(expected treatment date, wait in days, what it rests on): the decision date + the median wait
    (`Medianer.for_patient`); where the home unit has a shown forecast covering the month that date falls in, the
    forecast's median wait for that month instead, named as a forecast with its method (#20)."""
    median, kalla = medianer.for_patient(lista.kva_id, lista.vardenhet_id, lista.region_id)
    if median is None:
        return None, None, kalla
    forvantat = beslutsdatum + timedelta(days=median)
    if kalla == KALLA_ENHET and (prognos := prognoser.vid(lista.kva_id, lista.vardenhet_id, forvantat)):
        return (
            beslutsdatum + timedelta(days=prognos.median_dagar),
            prognos.median_dagar,
            f"{KALLA_PROGNOS} ({prognos.metod})",
        )
    return forvantat, median, kalla


@dataclass(slots=True)
class Rad:
    """A patient row as the at-risk page computes with it: a few columns, not a model instance (20,000 of them)."""

    pk: int
    lista: object  # the Vantelista, with vardenhet
    status: str
    beslutsdatum: date
    arende_id: int | None


def rader_for_region(region_kod: str) -> list[Rad]:
    """Every patient on a current list of the region and everyone who left one: two queries, no model per row."""
    from arenden.vantelista.models import Vantelista

    listor = Vantelista.objects.filter(region_id=region_kod).select_related("vardenhet").in_bulk()
    return [
        Rad(pk, listor[lista_id], status, beslut, arende_id)
        for pk, lista_id, status, beslut, arende_id in VantelistaPatient.objects.synliga()
        .filter(lista__region_id=region_kod)
        .order_by()
        .values_list("pk", "lista_id", "status", "beslutsdatum", "arende_id")
    ]


def bedom(patienter, *, idag: date | None = None, medianer: Medianer | None = None) -> list[Risk]:
    """The risk of each patient (rows with `lista` and its region, unit and group selected)."""
    idag = idag or timezone.localdate()
    medianer = medianer or Medianer()
    prognoser = Prognoser()
    regioner = {r.kod: r for r in referensdata.regioner()}
    ut = []
    for p in patienter:
        lista = p.lista
        region = regioner[lista.region_id]
        garanti = region.vardgaranti_datum(p.beslutsdatum)
        forvantat, median, kalla = forvantat_datum(medianer, prognoser, lista, p.beslutsdatum)
        if p.status == ListStatus.LAMNAT:
            tillstand = LAMNAT
        elif garanti < idag:
            tillstand = PASSERAT
        elif forvantat is not None and forvantat > garanti:
            tillstand = RISK
        else:
            tillstand = INOM
        fore = medianer.enheter_fore(lista.kva_id, lista.vardenhet_id, (garanti - idag).days)
        ut.append(Risk(p, garanti, forvantat, median, kalla, tillstand, fore))
    return ut


def antal_per_grupp(risker: list[Risk]) -> list[dict]:
    """Counts per KVÅ group and state, for the top of the page."""
    per: dict[str, Counter] = defaultdict(Counter)
    for r in risker:
        per[r.patient.lista.kva_id][r.tillstand] += 1
    return [
        {"kva": kva, "passerat": c[PASSERAT], "risk": c[RISK], "inom": c[INOM], "lamnat": c[LAMNAT],
         "totalt": c[PASSERAT] + c[RISK] + c[INOM]}
        for kva, c in sorted(per.items())
    ]  # fmt: skip
