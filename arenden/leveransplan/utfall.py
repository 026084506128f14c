"""Delivery plan against outcome (issue #19 point 3): per plan series and ISO week, the planned number of patients
beside the patients offered, accepted and performed, counted from the cases.

A series is one planner's plan for one provider (or one of its units), KVÅ group and sending region (or all).
Outcome of a week, for the series' units (the named unit, or every unit of the provider), group and region:
- erbjudna: cases offered a place at the units that week (the offer's creation date; a case counts once),
- accepterade: offers accepted that week (the answer's date),
- utforda: cases whose care was performed at the units that week.
The plan states how many patients are to be offered, so a finished week whose offered count differs from the plan
by more than `LEVERANSPLAN_AVVIKELSE` (a share, settings) is a deviation; a week still running never is.
Three grouped queries count every series at once."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db.models import Count, F
from django.db.models.functions import TruncWeek
from django.utils import timezone

from arenden.models import Arende, Erbjudande
from avtal.leveransplan import NATIONELL, mandag
from katalog.models import Vardenhet
from vardformedling import format as fmt
from vardformedling.charts import Serie, stapeldiagram

MATT = ("erbjudna", "accepterade", "utforda")
PLANERAT, ERBJUDNA, ACCEPTERADE, UTFORDA = "Planerat", "Erbjudna", "Accepterade", "Utförda"
EXPORTKOLUMNER = [
    "Planerare",
    "Vårdgivare",
    "Vårdenhet",
    "KVÅ-grupp",
    "Sändande region",
    "Vecka",
    "Planerat",
    "Erbjudna",
    "Accepterade",
    "Utförda",
    "Avvikelse",
]


def avvikelsegrans() -> Decimal:
    return Decimal(str(getattr(settings, "LEVERANSPLAN_AVVIKELSE", "0.2")))


@dataclass
class Veckorad:
    vecka: date
    planerat: int | None
    erbjudna: int = 0
    accepterade: int = 0
    utforda: int = 0
    klar: bool = False  # the week has ended
    kommande: bool = False  # the week has not begun

    @property
    def avvikelse(self) -> Decimal | None:
        """(offered − planned) / planned for a finished, planned week; None otherwise (or nothing planned)."""
        if not self.klar or not self.planerat:
            return None
        return Decimal(self.erbjudna - self.planerat) / Decimal(self.planerat)

    @property
    def avviker(self) -> bool:
        if not self.klar or self.planerat is None:
            return False
        if self.planerat == 0:
            return self.erbjudna > 0
        avvikelse = self.avvikelse
        return avvikelse is not None and abs(avvikelse) > avvikelsegrans()

    @property
    def avvikelse_text(self) -> str:
        """E.g. "25 % över plan", "inget planerat" (offers in a week planned at 0); "" when not judged."""
        if not self.klar or self.planerat is None:
            return ""
        if self.planerat == 0:
            return "inget planerat" if self.erbjudna else ""
        a = self.avvikelse
        if a is None:
            return ""
        return f"{fmt.procent(abs(a) * 100)} {'över' if a > 0 else 'under'} plan" if a else "enligt plan"


@dataclass
class Planserie:
    planerare: str
    vardgivare_id: int
    vardgivare: str
    vardenhet_id: int | None
    vardenhet: str
    kva_id: str
    region_id: str | None
    veckor: list[Veckorad] = field(default_factory=list)
    planerare_kod: str | None = None
    region_namn: str = ""

    @property
    def region(self) -> str:
        """The sending region as a person names it ("Region Västernorrland"), or "Alla" for a plan for every region."""
        return self.region_namn or self.region_id or "Alla"

    @cached_property
    def svg(self) -> str:
        """The chart, drawn only for a series that is shown (drawing is most of the page's time)."""
        return stapeldiagram(
            titel=f"Plan och utfall per vecka, {self.rubrik}",
            beskrivning="Planerat antal patienter per vecka bredvid erbjudna, accepterade och utförda; "
            "tabellen under har siffrorna och avvikelserna.",
            etiketter=[fmt.vecka(v.vecka) for v in self.veckor],
            serier=[
                Serie(PLANERAT, [v.planerat for v in self.veckor]),
                Serie(ERBJUDNA, [v.erbjudna for v in self.veckor]),
                Serie(ACCEPTERADE, [v.accepterade for v in self.veckor]),
                Serie(UTFORDA, [v.utforda for v in self.veckor]),
            ],
            y_etikett="Patienter",
            bredd=800,  # four series: the legend places one every 190 px
            id_prefix=f"plan-{self.planerare_kod or 'nat'}-{self.kva_id}-{self.vardgivare_id}-"
            f"{self.vardenhet_id or 0}-{self.region_id or 'alla'}",
        )

    @property
    def rubrik(self) -> str:
        var = self.vardenhet or f"{self.vardgivare} (hela vårdgivaren)"
        fran = f"från {self.region}" if self.region_id else "från alla regioner"
        return f"{self.kva_id}, {var}, {fran}"

    @property
    def antal_avvikelser(self) -> int:
        return sum(v.avviker for v in self.veckor)

    @property
    def summa(self) -> dict[str, int]:
        return {
            "planerat": sum(v.planerat or 0 for v in self.veckor),
            **{m: sum(getattr(v, m) for v in self.veckor) for m in MATT},
        }

    def exportrader(self) -> list[list]:
        return [
            [
                self.planerare,
                self.vardgivare,
                self.vardenhet or "Hela vårdgivaren",
                self.kva_id,
                self.region,
                fmt.vecka(v.vecka),
                fmt.antal(v.planerat) if v.planerat is not None else "",
                fmt.antal(v.erbjudna),
                fmt.antal(v.accepterade),
                fmt.antal(v.utforda),
                v.avvikelse_text,
            ]
            for v in self.veckor
        ]


def _utfall(enhet_ids: set[int], kva_ids: set[str], fran: date, till: date) -> dict[tuple, dict[str, int]]:
    """(unit, group, home region, Monday) → {erbjudna, accepterade, utforda} for the weeks fran..till (Mondays)."""
    slut = till + timedelta(days=7)
    ut: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MATT, 0))
    if not enhet_ids or not kva_ids:
        return ut
    erbjudanden = Erbjudande.objects.filter(vardenhet_id__in=enhet_ids, arende__kva_id__in=kva_ids)
    fragor = {
        "erbjudna": erbjudanden.filter(skapad__date__gte=fran, skapad__date__lt=slut)
        .annotate(v=TruncWeek("skapad"))
        .values_list("vardenhet_id", "arende__kva_id", "arende__region_id", "v")
        .annotate(n=Count("arende", distinct=True)),
        "accepterade": erbjudanden.filter(
            status=Erbjudande.Status.ACCEPTERAT, svar_datum__gte=fran, svar_datum__lt=slut
        )
        .annotate(v=TruncWeek("svar_datum"))
        .values_list("vardenhet_id", "arende__kva_id", "arende__region_id", "v")
        .annotate(n=Count("id")),
        "utforda": Arende.objects.filter(
            mottagande_enhet_id__in=enhet_ids, kva_id__in=kva_ids, utfort_datum__gte=fran, utfort_datum__lt=slut
        )
        .annotate(v=TruncWeek("utfort_datum"))
        .values_list("mottagande_enhet_id", "kva_id", "region_id", "v")
        .annotate(n=Count("id")),
    }
    for matt, qs in fragor.items():
        for enhet, kva, region, vecka, n in qs.order_by():
            vecka = timezone.localtime(vecka).date() if hasattr(vecka, "hour") else vecka
            ut[(enhet, kva, region, vecka)][matt] += n
    return ut


def jamforelse(planer, *, fran: date, till: date, idag: date | None = None) -> list[Planserie]:
    """Plan against outcome for the plans `planer` (a queryset) in the weeks fran..till (Mondays), one series per
    planner, provider/unit, group and sending region, sorted by group and provider; four queries in all. Each series
    draws its chart when it is shown (`svg`)."""
    idag = idag or timezone.localdate()
    denna = mandag(idag)
    # Plain rows, not model instances: a region may plan hundreds of weeks.
    rader = list(
        planer.filter(vecka__gte=fran, vecka__lte=till)
        .values(
            "planerad_av_id",
            "planerad_av__namn",
            "vardgivare_id",
            "vardgivare__namn",
            "vardenhet_id",
            "vardenhet__namn",
            "kva_id",
            "sandande_region_id",
            "sandande_region__namn",
            "vecka",
            "antal",
        )
        .order_by(
            "kva_id",
            "vardgivare__namn",
            F("vardenhet__namn").asc(nulls_first=True),
            F("sandande_region_id").asc(nulls_first=True),
            F("planerad_av_id").asc(nulls_first=True),
            "vecka",
        )
    )
    if not rader:
        return []
    vardgivare = {r["vardgivare_id"] for r in rader}
    enheter_per_vg: dict[int, set[int]] = defaultdict(set)
    for pk, vg in Vardenhet.objects.filter(vardgivare_id__in=vardgivare).values_list("pk", "vardgivare_id"):
        enheter_per_vg[vg].add(pk)
    alla_enheter = set().union(*enheter_per_vg.values()) if enheter_per_vg else set()
    utfall = _utfall(alla_enheter, {r["kva_id"] for r in rader}, fran, till)
    # Outcome indexed by (unit, group, week) → region → counts, so a series sums only its units and region.
    per_enhet: dict[tuple, dict[str, dict[str, int]]] = defaultdict(dict)
    for (enhet, kva, region, vecka), n in utfall.items():
        per_enhet[(enhet, kva, vecka)][region] = n

    serier: dict[tuple, Planserie] = {}
    planerat: dict[tuple, dict[date, int]] = defaultdict(dict)
    for r in rader:
        nyckel = (r["planerad_av_id"], r["vardgivare_id"], r["vardenhet_id"], r["kva_id"], r["sandande_region_id"])
        if nyckel not in serier:
            serier[nyckel] = Planserie(
                planerare=r["planerad_av__namn"] or NATIONELL,
                vardgivare_id=r["vardgivare_id"],
                vardgivare=r["vardgivare__namn"],
                vardenhet_id=r["vardenhet_id"],
                vardenhet=r["vardenhet__namn"] or "",
                kva_id=r["kva_id"],
                region_id=r["sandande_region_id"],
                planerare_kod=r["planerad_av_id"],
                region_namn=r["sandande_region__namn"] or "",
            )
        planerat[nyckel][r["vecka"]] = r["antal"]
    for nyckel, serie in serier.items():
        enheter = {serie.vardenhet_id} if serie.vardenhet_id else enheter_per_vg[serie.vardgivare_id]
        veckor = sorted(planerat[nyckel])
        for vecka in veckor:
            rad = Veckorad(vecka=vecka, planerat=planerat[nyckel][vecka], klar=vecka < denna, kommande=vecka > denna)
            for enhet in enheter:
                for region, n in per_enhet.get((enhet, serie.kva_id, vecka), {}).items():
                    if serie.region_id is None or region == serie.region_id:
                        for m in MATT:
                            setattr(rad, m, getattr(rad, m) + n[m])
            serie.veckor.append(rad)
    return list(serier.values())


def inflode(planer, *, fran: date, till: date) -> tuple[list[dict], dict[date, int]]:
    """A receiving unit's expected inflow: every plan row for it in the weeks (planner, group, sending region,
    planned), and the expected patients per week. Per planner, provider or unit, group and week the "all regions"
    figure is the total when there is one (a region's own figure is then a part of it), else the regions' figures
    add up; different planners' figures add up (each region sends its own patients)."""
    rader = list(
        planer.filter(vecka__gte=fran, vecka__lte=till)
        .select_related("planerad_av", "sandande_region")
        .order_by("vecka", "kva_id", F("planerad_av_id").asc(nulls_first=True),
                  F("sandande_region_id").asc(nulls_first=True))
    )  # fmt: skip
    grupper: dict[tuple, dict[str | None, int]] = defaultdict(dict)
    for r in rader:
        nyckel = (r.vecka, r.planerad_av_id, r.vardgivare_id, r.vardenhet_id, r.kva_id)
        grupper[nyckel][r.sandande_region_id] = r.antal
    per_vecka: dict[date, int] = defaultdict(int)
    for (vecka, *_), per_region in grupper.items():
        per_vecka[vecka] += per_region[None] if None in per_region else sum(per_region.values())
    tabell = [
        {"vecka": r.vecka, "planerare": r.planerad_av.namn if r.planerad_av else NATIONELL, "kva_id": r.kva_id,
         "sandande_region_id": r.sandande_region_id,
         "sandande_region": r.sandande_region.namn if r.sandande_region else "", "antal": r.antal}
        for r in rader
    ]  # fmt: skip
    return tabell, dict(sorted(per_vecka.items()))
