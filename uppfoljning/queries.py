"""The follow-up figures, computed in the database: one aggregate query per table, never a loop over cases.

Definitions (also shown on the page):
- registered: cases registered (`skapad`) in the period; the other figures are about these cases.
- offered: cases with at least one offer; accepted (brokered patients): cases with an accepted offer, which is
  exactly the cases with a receiving unit (the services set it on acceptance and clear it when the acceptance
  is undone), so no subquery per case is needed.
- acceptance rate: accepted offers / answered offers (accepted + declined); open and withdrawn offers excluded.
- handling time: registration date → date of the receiving unit's confirmation (remissbekräftelse), whole days.
- within the guarantee: performed on or before the case's guarantee date (`vardgaranti_datum`).
- days saved: the home unit's median wait (lägesbild, latest SPOR/NCR) minus the actual wait decision → performed,
  for performed cases whose referring unit has a figure for the case's KVÅ group.
"""

from datetime import date, timedelta
from math import floor

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import TruncDate, TruncMonth

from arenden.api import ArendeHandelse, Avslutsorsak, Erbjudande, Fakturarad, Kalla, Status, SvarsKanal

KALLOR = list(Kalla.values)

MANADER = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


class PercentileCont(Aggregate):
    """PostgreSQL `percentile_cont(p) WITHIN GROUP (ORDER BY expr)` (continuous, linear interpolation)."""

    function = "percentile_cont"
    template = "%(function)s(%(andel)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression, andel: float, **extra):
        super().__init__(expression, andel=float(andel), **extra)


def _dagar(td) -> float | None:
    if td is None:
        return None
    if isinstance(td, timedelta):
        return td.total_seconds() / 86400
    return float(td)


def percentil_ur_fordelning(fordelning: list[tuple[float, int]], andel: float) -> float | None:
    """percentile_cont over an already aggregated distribution [(value, count)], same interpolation as PostgreSQL."""
    fordelning = sorted((v, n) for v, n in fordelning if n)
    total = sum(n for _, n in fordelning)
    if not total:
        return None
    pos = andel * (total - 1)
    lag, hog = floor(pos), floor(pos) + (1 if pos != floor(pos) else 0)

    def varde_vid(rank: int) -> float:
        kum = 0
        for v, n in fordelning:
            kum += n
            if rank < kum:
                return v
        return fordelning[-1][0]

    a, b = varde_vid(lag), varde_vid(hog)
    return a + (b - a) * (pos - lag)


def vantan():
    """Actual wait decision → performed, as a duration (both backends)."""
    return ExpressionWrapper(F("utfort_datum") - F("beslutsdatum"), output_field=DurationField())


def manadsrader(qs) -> list[dict]:
    """Counts of cases, costs and guarantee compliance per registration month: one scan of the cases, which both
    the monthly table and the key figures (the sum of at most 60 rows) are built from."""
    utford = Q(utfort_datum__isnull=False)
    rader = (
        qs.annotate(manad=TruncMonth("skapad"))
        .values("manad")
        .annotate(
            registrerade=Count("id"),
            accepterade=Count("id", filter=Q(mottagande_enhet__isnull=False)),
            utforda=Count("id", filter=utford),
            inom_garanti=Count("id", filter=utford & Q(utfort_datum__lte=F("vardgaranti_datum"))),
            avslutade=Count("id", filter=Q(status=Status.AVSLUTAD)),
            avslutade_tidigt=Count("id", filter=Q(status=Status.AVSLUTAD_TIDIGT)),
            fakturerade=Count("id", filter=Q(faktura_belopp__isnull=False)),
            faktura_summa=Sum("faktura_belopp"),
            med_resa=Count("id", filter=Q(resekostnad__isnull=False)),
            rese_summa=Sum("resekostnad"),
            # Cases with an invoice line off the agreed price (issue #19 point 4).
            avvikande=Count(
                "id", filter=Q(Exists(Fakturarad.objects.filter(arende=OuterRef("pk")).exclude(avvikelse_text="")))
            ),
        )
        .order_by()
    )
    ut = []
    for r in rader:
        m = r["manad"]
        m = m.date() if hasattr(m, "date") else m
        ut.append({**r, "manad": date(m.year, m.month, 1)})
    return ut


NYCKELTAL = [
    "registrerade",
    "accepterade",
    "utforda",
    "inom_garanti",
    "avslutade",
    "avslutade_tidigt",
    "fakturerade",
    "faktura_summa",
    "med_resa",
    "rese_summa",
    "avvikande",
]


def nyckeltal(qs, rader: list[dict] | None = None) -> dict:
    """Key figures of the selection (from `manadsrader`, summed)."""
    rader = manadsrader(qs) if rader is None else rader
    ut = {k: sum((r[k] or 0) for r in rader) for k in NYCKELTAL}
    ut["pagaende"] = ut["registrerade"] - ut["avslutade"] - ut["avslutade_tidigt"]
    return ut


def erbjudanden(qs) -> dict:
    """Offers of the selected cases by status, and how many cases got at least one (`arenden`)."""
    s = Erbjudande.Status
    return Erbjudande.objects.filter(arende__in=qs.values("pk")).aggregate(
        arenden=Count("arende_id", distinct=True),
        lamnade=Count("id"),
        accepterade=Count("id", filter=Q(status=s.ACCEPTERAT)),
        avbojda=Count("id", filter=Q(status=s.AVBOJT)),
        obesvarade=Count("id", filter=Q(status=s.LAMNAT)),
        aterkallade=Count("id", filter=Q(status=s.ATERKALLAT)),
    )


def svarstider(qs) -> list[dict]:
    """Reply time (offer sent → answer recorded, days) per channel the answer came through (issue 18), and all
    channels together: n, median, 90th percentile. Answers recorded before the channel was kept are left out."""
    besvarade = Erbjudande.objects.filter(arende__in=qs.values("pk"), besvarad__isnull=False).exclude(svar_kanal="")
    tid = ExpressionWrapper(F("besvarad") - F("skapad"), output_field=DurationField())
    ut = []
    for kanal, etikett in [*SvarsKanal.choices, ("", "Alla kanaler")]:
        rader = besvarade.filter(svar_kanal=kanal) if kanal else besvarade
        n, (median, p90) = _percentiler(rader, tid, (0.5, 0.9))
        ut.append({"kanal": kanal, "etikett": etikett, "antal": n, "median": median, "p90": p90})
    return ut


def avbojda_per_orsak(qs) -> list[tuple[str, int]]:
    rader = dict(
        Erbjudande.objects.filter(arende__in=qs.values("pk"), status=Erbjudande.Status.AVBOJT)
        .values_list("avbojt_orsak")
        .annotate(n=Count("id"))
    )
    return [(label, rader.get(kod, 0)) for kod, label in Erbjudande.AvbojtOrsak.choices]


def avslutade_per_orsak(qs) -> list[tuple[str, int]]:
    rader = dict(qs.filter(status=Status.AVSLUTAD_TIDIGT).values_list("avslutsorsak").annotate(n=Count("id")))
    return [(label, rader.get(kod, 0)) for kod, label in Avslutsorsak.choices]


def manader_i(fran: date, till: date) -> list[date]:
    m, slut, ut = date(fran.year, fran.month, 1), date(till.year, till.month, 1), []
    while m <= slut:
        ut.append(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return ut


def manadsetikett(m: date) -> str:
    return f"{MANADER[m.month - 1]} {m.year}"


def per_manad(qs, fran: date, till: date, rader: list[dict] | None = None) -> list[dict]:
    """Per registration month: registered, brokered (accepted an offer) and performed; every month in the period."""
    per = {r["manad"]: r for r in (manadsrader(qs) if rader is None else rader)}
    ut = []
    for m in manader_i(fran, till):
        r = per.get(m, {})
        registrerade, formedlade, utforda = (r.get(k, 0) for k in ("registrerade", "accepterade", "utforda"))
        ut.append({"manad": m, "registrerade": registrerade, "formedlade": formedlade, "utforda": utforda})
    return ut


def _percentiler(qs_rader, uttryck, andelar: tuple[float, ...]) -> tuple[int, list[float | None]]:
    """Count and percentiles of a duration in whole days: percentile_cont on PostgreSQL, else from a histogram."""
    if connection.vendor == "postgresql":
        agg: dict[str, Aggregate] = {"n": Count("id")}
        for i, a in enumerate(andelar):
            agg[f"p{i}"] = PercentileCont(uttryck, a, output_field=DurationField())
        res = qs_rader.aggregate(**agg)
        return res["n"], [_dagar(res[f"p{i}"]) for i in range(len(andelar))]
    # SQLite: group by the day count in the database, interpolate over that short list here.
    fordelning = [
        (d, r["n"])
        for r in qs_rader.annotate(d=uttryck).values("d").annotate(n=Count("id")).order_by()
        if (d := _dagar(r["d"])) is not None
    ]
    n = sum(c for _, c in fordelning)
    return n, [percentil_ur_fordelning(fordelning, a) for a in andelar]


def handlaggningstid(qs) -> dict:
    """Registration → remissbekräftelse (the history row of the confirmation), whole days: n, median, 90th pct."""
    bekraftelser = ArendeHandelse.objects.filter(
        arende__in=qs.values("pk"), fran_status=Status.REMISS_SKICKAD, till_status=Status.BEKRAFTAD
    )
    dagar = ExpressionWrapper(TruncDate("tidpunkt") - TruncDate("arende__skapad"), output_field=DurationField())
    n, (median, p90) = _percentiler(bekraftelser, dagar, (0.5, 0.9))
    return {"antal": n, "median": median, "p90": p90}


def vantetid_till_vard(qs) -> dict:
    """Decision → performed, whole days: n, median, 90th percentile."""
    n, (median, p90) = _percentiler(qs.filter(utfort_datum__isnull=False), vantan(), (0.5, 0.9))
    return {"antal": n, "median": median, "p90": p90}


def hemma_vantetider(par: set[tuple[str, int]], period: str = "90d") -> dict[tuple[str, int], int]:
    """Median wait (days) per (KVÅ group, unit) from the lägesbild; suppressed figures and missing medians left out."""
    from lagesbild.api import vantetider_for_par

    return {
        k: v.median_dagar
        for k, v in vantetider_for_par(par=par, period=period).items()
        if not v.undertryckt and v.median_dagar is not None
    }


def sparade_dagar(qs) -> dict:
    """Days saved against the home unit's median wait in the lägesbild (three queries whatever the data)."""
    grupper = list(
        qs.filter(utfort_datum__isnull=False, remitterande_enhet__isnull=False)
        .values("kva_id", "remitterande_enhet_id")
        .annotate(n=Count("id"), vantat=Sum(vantan()))
        .order_by()
    )
    hemma = hemma_vantetider({(g["kva_id"], g["remitterande_enhet_id"]) for g in grupper})
    antal, sparat = 0, 0.0
    for g in grupper:
        median = hemma.get((g["kva_id"], g["remitterande_enhet_id"]))
        if median is None:
            continue
        antal += g["n"]
        sparat += g["n"] * median - _dagar(g["vantat"])
    return {
        "antal": antal,
        "summa": round(sparat) if antal else None,
        "medel": round(sparat / antal, 1) if antal else None,
    }


def floden(qs) -> list[dict]:
    """Referring region × receiving region: cases with a receiving unit."""
    return list(
        qs.filter(mottagande_enhet__isnull=False)
        .values("region_id", mottagande_region=F("mottagande_enhet__region_id"))
        .annotate(n=Count("id"))
        .order_by("region_id", "mottagande_region")
    )


def per_vardgivare(qs) -> list[dict]:
    utford = Q(utfort_datum__isnull=False)
    return list(
        qs.filter(mottagande_enhet__isnull=False)
        .values(vardgivare_namn=F("mottagande_enhet__vardgivare__namn"))
        .annotate(
            formedlade=Count("id"),
            utforda=Count("id", filter=utford),
            inom_garanti=Count("id", filter=utford & Q(utfort_datum__lte=F("vardgaranti_datum"))),
            fakturerade=Count("id", filter=Q(faktura_belopp__isnull=False)),
            fakturerat=Sum("faktura_belopp"),
        )
        .order_by("-formedlade", "vardgivare_namn")
    )


def volym_per_avtal(qs) -> list[dict]:
    """Agreement volume held by the selected cases (reservations carry the case ID as reference)."""
    from avtal.api import volym_per_avtal as volym

    return volym(referenser=qs.values("case_id"))


def per_kalla(qs) -> dict[str, dict]:
    """Issue 17: the selection's figures by where each case came from (vantelista, patient, remiss). Two queries."""
    s = Erbjudande.Status
    ut: dict[str, dict] = {
        k: {"registrerade": 0, "formedlade": 0, "utforda": 0, "lamnade": 0, "accepterade": 0} for k in KALLOR
    }
    for r in (
        qs.order_by()
        .values("kalla")
        .annotate(
            registrerade=Count("id"),
            formedlade=Count("id", filter=Q(mottagande_enhet__isnull=False)),
            utforda=Count("id", filter=Q(utfort_datum__isnull=False)),
        )
    ):
        ut[r["kalla"]].update({k: r[k] for k in ("registrerade", "formedlade", "utforda")})
    for r in (
        Erbjudande.objects.filter(arende__in=qs.values("pk"))
        .order_by()
        .values("arende__kalla")
        .annotate(lamnade=Count("id"), accepterade=Count("id", filter=Q(status=s.ACCEPTERAT)))
    ):
        ut[r["arende__kalla"]].update(lamnade=r["lamnade"], accepterade=r["accepterade"])
    return ut
