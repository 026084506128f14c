"""Who on the waiting lists will miss the care guarantee (issue 17, point 2).

Per patient: the guarantee date (`Region.vardgaranti_datum`: decision date + the region's guarantee days) and the
expected treatment date at the home unit (decision date + the home unit's current median wait for the group from the
lägesbild, or its shown forecast for the month that date falls in (#20); else the region's register total; else the
nation's; the source is named). The state is "har passerat vårdgarantin" (guarantee date before today), "riskerar att
passera" (expected date after the guarantee date) or "inom garantin". Also: how many other units offering the group
could treat the patient before the guarantee date (today + their median wait ≤ the guarantee date).
"""

import bisect
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, CharField, Count, DateField, F, Q, Value, When
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
    """The lägesbild's medians for the groups asked about, read once per group (five queries per group)."""

    def __init__(self):
        self._enheter: dict[str, dict[int, int]] = {}
        self._regioner: dict[str, dict[str | None, int]] = {}
        self._andra: dict[str, list[tuple[int, int]]] = {}
        self._prognoser: dict[str, dict] = {}

    def _las(self, kva: str) -> None:
        if kva in self._enheter:
            return
        figurer = lagesbild_api.vantetider_for_enheter(kva_kod=kva, vardenhet_ids=katalog_api.enheter_med_utbud(kva))
        self._enheter[kva] = {e: m for e, v in figurer.items() if (m := _median(v)) is not None}
        self._regioner[kva] = {
            r: m for r, v in lagesbild_api.medianer_for_regioner(kva_kod=kva).items() if (m := _median(v)) is not None
        }
        self._andra[kva] = sorted((m, e) for e, m in self._enheter[kva].items())
        self._prognoser[kva] = lagesbild_api.prognosmanader(
            kva_kod=kva, vardenhet_ids=katalog_api.enheter_med_utbud(kva)
        )

    def for_patient(self, kva: str, enhet_id: int, region_kod: str) -> tuple[int | None, str]:
        self._las(kva)
        if (m := self._enheter[kva].get(enhet_id)) is not None:
            return m, KALLA_ENHET
        if (m := self._regioner[kva].get(region_kod)) is not None:
            return m, KALLA_REGION
        if (m := self._regioner[kva].get(None)) is not None:
            return m, KALLA_RIKET
        return None, KALLA_SAKNAS

    def forvantat(
        self, kva: str, enhet_id: int, region_kod: str, beslutsdatum: date
    ) -> tuple[date | None, int | None, str]:
        """(expected treatment date, wait in days, what it rests on): the decision date + the median wait
        (`for_patient`); where the home unit has a shown forecast (lagesbild.prognos) covering the month that date
        falls in, the forecast's median wait for that month instead, named as a forecast with its method."""
        median, kalla = self.for_patient(kva, enhet_id, region_kod)
        if median is None:
            return None, None, kalla
        forvantat = beslutsdatum + timedelta(days=median)
        if kalla == KALLA_ENHET:
            prognos = self._prognoser[kva].get(enhet_id, {}).get(f"{forvantat:%Y-%m}")
            if prognos is not None:
                return (
                    beslutsdatum + timedelta(days=prognos.median_dagar),
                    prognos.median_dagar,
                    (f"{KALLA_PROGNOS} ({prognos.metod})"),
                )
        return forvantat, median, kalla

    def forvantat_uttryck(self, kva: str, enhet_id: int, region_kod: str) -> dict:
        """`forvantat` for every patient of a list in one UPDATE: the stored expected date, median and what it rests
        on, as SQL expressions over each row's decision date (a CASE per forecast month of the home unit)."""
        median, kalla = self.for_patient(kva, enhet_id, region_kod)
        if median is None:
            return {"forvantat_datum": None, "median_dagar": None, "median_kalla": kalla}
        enligt_median = F("beslutsdatum") + timedelta(days=median)
        prognoser = self._prognoser[kva].get(enhet_id, {}) if kalla == KALLA_ENHET else {}
        if not prognoser:
            return {"forvantat_datum": enligt_median, "median_dagar": median, "median_kalla": kalla}
        fall = []
        for manad, prognos in prognoser.items():
            start = date(int(manad[:4]), int(manad[5:7]), 1)
            slut = (start + timedelta(days=32)).replace(day=1)
            # The median's expected date falls in this month: decision date + median in [start, slut).
            villkor = Q(
                beslutsdatum__gte=start - timedelta(days=median), beslutsdatum__lt=slut - timedelta(days=median)
            )
            fall.append((villkor, prognos))
        return {
            "forvantat_datum": Case(
                *[When(v, then=F("beslutsdatum") + timedelta(days=p.median_dagar)) for v, p in fall],
                default=enligt_median,
                output_field=DateField(),
            ),
            "median_dagar": Case(*[When(v, then=Value(p.median_dagar)) for v, p in fall], default=Value(median)),
            "median_kalla": Case(
                *[When(v, then=Value(f"{KALLA_PROGNOS} ({p.metod})")) for v, p in fall],
                default=Value(kalla),
                output_field=CharField(),
            ),
        }

    def enheter_fore(self, kva: str, hemenhet_id: int, dagar_kvar: int) -> int:
        """Units other than the home unit whose median wait from today ends on or before the guarantee date."""
        self._las(kva)
        if dagar_kvar < 0:
            return 0
        andra = self._andra[kva]
        n = bisect.bisect_right(andra, (dagar_kvar, float("inf")))
        hem = self._enheter[kva].get(hemenhet_id)
        return n - (1 if hem is not None and hem <= dagar_kvar else 0)


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


def tillstand_for(status: str, garanti: date, forvantat: date | None, idag: date) -> str:
    """The risk state – the rule; `tillstand_uttryck` is the same rule in SQL for the stored dates."""
    if status == ListStatus.LAMNAT:
        return LAMNAT
    if garanti < idag:
        return PASSERAT
    if forvantat is not None and forvantat > garanti:
        return RISK
    return INOM


def tillstand_uttryck(idag: date):
    """`tillstand_for` over the stored columns (garanti_datum, forvantat_datum), for filtering and counting in SQL."""
    return Case(
        When(status=ListStatus.LAMNAT, then=Value(LAMNAT)),
        When(garanti_datum__lt=idag, then=Value(PASSERAT)),
        When(forvantat_datum__gt=F("garanti_datum"), then=Value(RISK)),
        default=Value(INOM),
        output_field=CharField(),
    )


def uppdatera(listor, *, medianer: Medianer | None = None, version: str | None = None) -> int:
    """Stores each list's patients' guarantee date, expected date and median (one UPDATE per list, by the same
    rules as `bedom`: the region's guarantee days, `Medianer.for_patient`); returns the patients updated."""
    medianer = medianer or Medianer()
    version = version if version is not None else lagesbild_api.dataversion()[0]
    regioner = {r.kod: r for r in referensdata.regioner()}
    n = 0
    for lista in listor:
        garanti_dagar = regioner[lista.region_id].vardgaranti_dagar  # Region.vardgaranti_datum, in SQL
        n += VantelistaPatient.objects.filter(lista=lista).update(
            garanti_datum=F("beslutsdatum") + timedelta(days=garanti_dagar),
            **medianer.forvantat_uttryck(lista.kva_id, lista.vardenhet_id, lista.region_id),
        )
        type(lista).objects.filter(pk=lista.pk).update(risk_dataversion=version)
    return n


def aktualisera(region_kod: str) -> int:
    """Computes the stored risk again for the region's lists computed from other lägesbild figures than today's
    (new lists, new register deliveries); a query when nothing changed (the data version is cached)."""
    from arenden.vantelista.models import Vantelista

    version = lagesbild_api.dataversion()[0]
    inaktuella = list(Vantelista.objects.filter(region_id=region_kod).exclude(risk_dataversion=version))
    return uppdatera(inaktuella, version=version) if inaktuella else 0


def patienter(region_kod: str, *, idag: date | None = None):
    """The region's visible patients (on a current list, or left one) with their stored risk brought up to date and
    `tillstand` annotated in SQL."""
    from arenden.vantelista.models import Vantelista

    aktualisera(region_kod)
    idag = idag or timezone.localdate()
    # The region's list ids (a few) rather than a join per patient row.
    listor = list(Vantelista.objects.filter(region_id=region_kod).values_list("pk", flat=True))
    return VantelistaPatient.objects.synliga().filter(lista_id__in=listor).annotate(tillstand=tillstand_uttryck(idag))


ANTAL_CACHE_SEKUNDER = 600


def antal_per_lista(region_kod: str, *, idag: date) -> dict[tuple[int, str], int]:
    """(list id, state) → patients: one GROUP BY over the region's annotated patients, from which the page takes
    its counts per group, its filter choices and the number of rows a filter leaves. Cached under the day and the
    region's lists with their risk versions: a state changes only with the day, a new list (which also moves
    patients to "lämnat listan") or new stored dates (a new risk version)."""
    from django.core.cache import cache

    from arenden.vantelista.models import Vantelista

    qs = patienter(region_kod, idag=idag)
    listor = list(
        Vantelista.objects.filter(region_id=region_kod).order_by("pk").values_list("pk", "inlast", "risk_dataversion")
    )
    nyckel = "vantelista:antal:" + hashlib.sha256(f"{region_kod}|{idag}|{listor}".encode()).hexdigest()
    antal = cache.get(nyckel)
    if antal is None:
        rader = qs.order_by().values_list("lista_id", "tillstand").annotate(n=Count("id"))
        antal = {(lista, t): n for lista, t, n in rader}
        cache.set(nyckel, antal, ANTAL_CACHE_SEKUNDER)
    return antal


def antal_per_grupp_sql(antal: dict[tuple[int, str], int], listor: dict) -> list[dict]:
    """`antal_per_grupp` from `antal_per_lista` (`listor`: id → Vantelista)."""
    per: dict[str, Counter] = defaultdict(Counter)
    for (lista, tillstand), n in antal.items():
        per[listor[lista].kva_id][tillstand] += n
    return _per_grupp(per)


def enheter_fore_garanti(rader, *, idag: date, medianer: Medianer | None = None) -> dict[int, int]:
    """pk → how many other units could treat the patient before the guarantee date, for rows of
    (pk, kva, home unit id, guarantee date)."""
    medianer = medianer or Medianer()
    return {pk: medianer.enheter_fore(kva, hem, (garanti - idag).days) for pk, kva, hem, garanti in rader}


def bedom(patienter, *, idag: date | None = None, medianer: Medianer | None = None) -> list[Risk]:
    """The risk of each patient (rows with `lista` and its region, unit and group selected)."""
    idag = idag or timezone.localdate()
    medianer = medianer or Medianer()
    regioner = {r.kod: r for r in referensdata.regioner()}
    ut = []
    for p in patienter:
        lista = p.lista
        region = regioner[lista.region_id]
        garanti = region.vardgaranti_datum(p.beslutsdatum)
        forvantat, median, kalla = medianer.forvantat(lista.kva_id, lista.vardenhet_id, lista.region_id, p.beslutsdatum)
        tillstand = tillstand_for(p.status, garanti, forvantat, idag)
        fore = medianer.enheter_fore(lista.kva_id, lista.vardenhet_id, (garanti - idag).days)
        ut.append(Risk(p, garanti, forvantat, median, kalla, tillstand, fore))
    return ut


def antal_per_grupp(risker: list[Risk]) -> list[dict]:
    """Counts per KVÅ group and state, for the top of the page."""
    per: dict[str, Counter] = defaultdict(Counter)
    for r in risker:
        per[r.patient.lista.kva_id][r.tillstand] += 1
    return _per_grupp(per)


def _per_grupp(per: dict[str, Counter]) -> list[dict]:
    return [
        {"kva": kva, "passerat": c[PASSERAT], "risk": c[RISK], "inom": c[INOM], "lamnat": c[LAMNAT],
         "totalt": c[PASSERAT] + c[RISK] + c[INOM]}
        for kva, c in sorted(per.items())
    ]  # fmt: skip
