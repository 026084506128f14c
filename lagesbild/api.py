"""What other apps ask of the lägesbild. The lagesbild app owns the implementation; the signature is shared."""

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import cast

from django.core.cache import cache
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone

from katalog import api as katalog_api
from lagesbild import tabell
from lagesbild.models import MAX_ALDER_DAGAR, Kalla, Leverans, Matvarde, Prognos, VantetidManad
from vardformedling import format as fmt
from vardformedling import referensdata

REGISTER = (Kalla.SPOR, Kalla.NCR)


@dataclass(frozen=True)
class Vantetid:
    """A unit's latest waiting-time figure for one KVÅ group and period (urval "alla", or the patient's)."""

    median_dagar: int | None
    antal: int | None
    undertryckt: bool  # "<5" in the register: show "färre än 5", never compute with it
    kalla: str  # "SPOR" or "NCR"
    datum: date  # uttagsdatum of the delivery
    urval: str = "alla"  # or the patient's priority (SPOR) / anaesthesia (NCR) the figure is for


URVAL_TEXT = {
    "inom_2v": "prioritet inom 2 veckor", "inom_4v": "prioritet inom 4 veckor", "inom_3m": "prioritet inom 3 månader",
    "inom_6m": "prioritet inom 6 månader", "over_6m": "prioritet över 6 månader", "narkos": "operation i narkos",
    "lokal": "operation i lokalbedövning",
}  # fmt: skip


def _las_senaste_leveranser() -> list[Leverans]:
    newest = Leverans.objects.filter(kalla=OuterRef("kalla")).order_by("-uttagsdatum").values("uttagsdatum")[:1]
    return list(Leverans.objects.filter(uttagsdatum=Subquery(newest)))


def senaste_leveranser(kallor: Iterable[str] = REGISTER) -> dict[str, Leverans]:
    """The newest delivery of each source: one query, then none until a delivery is written
    (vardformedling.referensdata)."""
    kallor = set(kallor)
    return {lev.kalla: lev for lev in referensdata.hamta("leveranser", _las_senaste_leveranser) if lev.kalla in kallor}


def _senaste_per_nyckel(rader, leveranser) -> dict:
    """The selection rule, once: per key the figure with the newest delivery date, then the most operations.

    `rader` are (key, leverans_id, antal, median, undertryckt) of urval "alla" from the newest deliveries.
    """
    datum = {lev.pk: (lev.kalla, lev.uttagsdatum) for lev in leveranser.values()}
    result: dict = {}
    for key, lev_id, antal, median, undertryckt in rader:
        kalla, uttag = datum[lev_id]
        candidate = Vantetid(median_dagar=median, antal=antal, undertryckt=undertryckt, kalla=kalla, datum=uttag)
        current = result.get(key)
        if current is None or (candidate.datum, candidate.antal or 0) > (current.datum, current.antal or 0):
            result[key] = candidate
    return result


def _urvalen(urval: str | None) -> list[str]:
    return ["alla"] if not urval or urval == "alla" else ["alla", urval]


def _vantetider_qs(kva_kod: str, vardenhet_ids: Iterable[int] | None, period: str, leveranser: dict, urvalen: list):
    """The rows behind `vantetider_for_enheter`; None when the answer is known to be empty."""
    qs = Matvarde.objects.for_leveranser(leveranser.values()).enheter()
    qs = qs.filter(kva_id=(kva_kod or "").strip().upper(), matperiod=period, urval__in=urvalen)
    if isinstance(vardenhet_ids, QuerySet):  # a subquery (katalog.api.enheter_med_utbud): no ids to send
        return qs.filter(vardenhet_id__in=vardenhet_ids)
    if vardenhet_ids is not None:
        ids = list(vardenhet_ids)
        return qs.filter(vardenhet_id__in=ids) if ids else None
    return qs


def _med_urval(rader, leveranser, urval: str | None) -> dict[int, Vantetid]:
    """(urval, unit, leverans_id, antal, median, undertryckt) rows → per unit the "alla" figure, replaced by the
    patient's selection where the register gives a shown median for it."""
    result = _senaste_per_nyckel([r[1:] for r in rader if r[0] == "alla"], leveranser)
    if urval and urval != "alla":
        for enhet, figur in _senaste_per_nyckel([r[1:] for r in rader if r[0] == urval], leveranser).items():
            if not figur.undertryckt and figur.median_dagar is not None:
                result[enhet] = replace(figur, urval=urval)
    return result


def vantetider_for_enheter(
    *, kva_kod: str, vardenhet_ids: Iterable[int] | None = None, period: str = "90d", urval: str | None = None
) -> dict[int, Vantetid]:
    """Latest figure per care-unit id (all units with data when `vardenhet_ids` is None).

    `urval`: the patient's priority (SPOR) or anaesthesia (NCR); where the register gives a figure for it, that
    figure replaces the unit's "alla" one (marked with its `urval`)."""
    leveranser = senaste_leveranser()
    if not leveranser:
        return {}
    qs = _vantetider_qs(kva_kod, vardenhet_ids, period, leveranser, _urvalen(urval))
    if qs is None:
        return {}
    rader = qs.values_list("urval", "vardenhet_id", "leverans_id", "antal", "median", "undertryckt")
    return _med_urval(rader, leveranser, urval)


def vantetider_och_prognoser(
    *,
    kva_kod: str,
    manad: date,
    vardenhet_ids: Iterable[int] | None = None,
    period: str = "90d",
    urval: str | None = None,
) -> tuple[dict[int, Vantetid], dict[int, "Prognosvarde"]]:
    """`vantetider_for_enheter` and, for the month of `manad` (a planned date), each unit's shown forecast (one that
    beat the naive one on the unit's backtest) where it covers that month. The forecasts ride on the waiting times'
    query (a correlated subquery on the unique unit × group × register index): two queries as
    `vantetider_for_enheter`, the newest deliveries' one cached. A unit with a forecast but no figure of `period` gets
    no forecast here (the forecast is made from the same register's months, so the two come together).

    For every unit of the group (`vardenhet_ids` None) the answer is read once per process for the newest deliveries
    (a delivery's figures never change: a new one is a new row) and the forecasts' version (the nightly run
    invalidates it), so a search asks the database nothing here; the dicts are then shared: read only."""
    leveranser = senaste_leveranser()
    if not leveranser:
        return {}, {}
    if vardenhet_ids is not None:
        return _vantetider_och_prognoser(kva_kod, manad, vardenhet_ids, period, urval, leveranser)
    nyckel = (kva_kod, f"{manad:%Y-%m}", period, urval, tuple(sorted((k, lev.pk) for k, lev in leveranser.items())))
    return referensdata.hamta_per_nyckel(
        "prognoser", nyckel, lambda: _vantetider_och_prognoser(kva_kod, manad, None, period, urval, leveranser)
    )


def _vantetider_och_prognoser(kva_kod, manad, vardenhet_ids, period, urval, leveranser):
    qs = _vantetider_qs(kva_kod, vardenhet_ids, period, leveranser, _urvalen(urval))
    if qs is None:
        return {}, {}
    prognos = (
        Prognos.objects.filter(vardenhet_id=OuterRef("vardenhet_id"), kva_id=OuterRef("kva_id"), visas=True)
        .order_by("kalla")
        .annotate(j=JSONObject(metod="metod", punkter="punkter"))
        .values("j")[:1]
    )
    rader = list(
        qs.annotate(prognos=Subquery(prognos)).values_list(
            "urval", "vardenhet_id", "leverans_id", "antal", "median", "undertryckt", "prognos"
        )
    )
    nyckel, namn = f"{manad:%Y-%m}", _metodnamn()
    prognoser = {}
    for _urval, enhet_id, *_, p in rader:
        varde = _prognosvarde(p["metod"], p["punkter"], nyckel, namn) if p else None
        if varde:
            prognoser[enhet_id] = varde
    return _med_urval([r[:6] for r in rader], leveranser, urval), prognoser


def vantetider_for_par(*, par: set[tuple[str, int]], period: str = "90d") -> dict[tuple[str, int], Vantetid]:
    """As `vantetider_for_enheter`, for many (KVÅ group, unit id) pairs at once. Two queries."""
    if not par:
        return {}
    leveranser = senaste_leveranser()
    if not leveranser:
        return {}
    qs = (
        Matvarde.objects.for_leveranser(leveranser.values())
        .enheter()
        .filter(kva_id__in={k for k, _ in par}, vardenhet_id__in={e for _, e in par}, matperiod=period, urval="alla")
    )
    rader = (
        ((kva, enhet), lev_id, antal, median, undertryckt)
        for kva, enhet, lev_id, antal, median, undertryckt in qs.values_list(
            "kva_id", "vardenhet_id", "leverans_id", "antal", "median", "undertryckt"
        )
        if (kva, enhet) in par
    )
    return _senaste_per_nyckel(rader, leveranser)


def kallstatus(kallor: Iterable[str] | None = None, *, leveranser: dict[str, Leverans] | None = None) -> list[dict]:
    """Per source: label, date of the latest delivery, age in days and whether it is stale (one query, none when
    the caller passes the newest `leveranser` it has already read). `kallor` None means every source; an empty
    list means none (a page that shows no register figures warns about nothing)."""
    valda = [Kalla(k) for k in (Kalla.values if kallor is None else dict.fromkeys(kallor))]
    if not valda:
        return []
    if leveranser is None:
        leveranser = senaste_leveranser(valda)
    today = timezone.localdate()
    status = []
    for kalla in valda:
        lev = leveranser.get(kalla)
        dagar = (today - lev.uttagsdatum).days if lev else None
        inaktuell = dagar is None or dagar > MAX_ALDER_DAGAR[kalla]
        if lev is None:
            text = f"{kalla.label}: ingen leverans har lästs in ännu – uppgifter från källan saknas."
        elif inaktuell:
            text = (
                f"{kalla.label}: senaste leverans {lev.uttagsdatum:%Y-%m-%d} ({dagar} dagar sedan) – "
                "uppgifterna kan vara inaktuella."
            )
        else:
            text = f"{kalla.label}: senaste leverans {lev.uttagsdatum:%Y-%m-%d}."
        status.append({"kalla": kalla, "datum": lev.uttagsdatum if lev else None, "inaktuell": inaktuell, "text": text})
    return status


def inaktuella_kallor(kallor: Iterable[str] | None = None) -> list[str]:
    """Swedish warnings for register sources whose latest delivery is too old (REGISTER_FILES.md).

    Pass only the sources whose figures the page shows: a cataract page must not warn about SPOR."""
    return [s["text"] for s in kallstatus(kallor) if s["inaktuell"]]


def kallor_for_kva(register: str | None) -> list[str]:
    """The register(s) a KVÅ group's figures come from: its own register, or both when it names none."""
    return [register] if register in REGISTER else list(REGISTER)


def medianer_for_regioner(*, kva_kod: str, period: str = "90d") -> dict[str | None, Vantetid]:
    """The registers' own totals for one KVÅ group: region code → figure, and None → the nation's (issue 17's
    fallback when a home unit has no figure). Same selection rule as the units'. Two queries."""
    leveranser = senaste_leveranser()
    if not leveranser:
        return {}
    qs = Matvarde.objects.for_leveranser(leveranser.values()).filter(
        vardenhet__isnull=True, kva_id=(kva_kod or "").strip().upper(), matperiod=period, urval="alla"
    )
    return _senaste_per_nyckel(qs.values_list("region_id", "leverans_id", "antal", "median", "undertryckt"), leveranser)


def dataversion(kallor: Iterable[str] | None = None) -> tuple[str, datetime | None]:
    """(a version string, the time the newest delivery was read in) of the sources' newest deliveries. No query
    while the deliveries are cached."""
    leveranser = senaste_leveranser(Kalla.values if kallor is None else kallor)
    delar = sorted(f"{k}:{lev.pk}:{lev.uttagsdatum:%Y%m%d}" for k, lev in leveranser.items())
    senast = max((lev.inlast for lev in leveranser.values()), default=None)
    return "|".join(delar) or "inga", senast


def svarsversion(kallor: Iterable[str] | None = None) -> tuple[str | None, datetime]:
    """(a version, a last-modified time) of everything an answer with the sources' figures shows: the newest
    deliveries (`dataversion`), the catalogue's units and groups and the regions (their names are in the rows) and
    today's date (the staleness flags and their texts count days). What the API's validators (ETag,
    Last-Modified) are built from and what a served answer is kept under; no database query while the deliveries
    are cached. The version is None without a shared cache (the catalogue's is unknown then)."""
    leveranser, senast = dataversion(kallor)
    idag = timezone.localdate()
    midnatt = timezone.make_aware(datetime.combine(idag, time.min))
    senast = max(senast, midnatt) if senast else midnatt
    katalog, regioner = katalog_api.version(), referensdata.version("regioner")
    if katalog is None or regioner is None:
        return None, senast
    return f"{leveranser}|dag:{idag:%Y%m%d}|katalog:{katalog}|regioner:{regioner}", senast


def tabellrader(*, kva, matperiod: str = "90d", urval: str = "alla", niva: str = "enhet", region: str | None = None):
    """(rows, national rows, source status) of the comparison table for one KVÅ group: what the lägesbild page and
    /api/v1/vantetider show, read by the same function (`tabell.hamta_rader`) from the same newest deliveries."""
    leveranser = senaste_leveranser()
    status = kallstatus(kallor_for_kva(kva.register), leveranser=leveranser)
    rader, riket = tabell.hamta_rader(
        kva=kva, matperiod=matperiod, urval=urval, niva=niva, leveranser=leveranser, region=region
    )
    return rader, riket, status


def vantetidsdatabasen(*, region: str = "00", vardomrade: str | None = None, typ: str | None = None) -> list:
    """Väntetidsdatabasen's months (`VantetidManad`) for the whole country (region "00") or one region, by month,
    optionally for one care area and type: the rows the Väntetidsdatabasen page charts."""
    qs = VantetidManad.objects.riket() if region in ("", "00") else VantetidManad.objects.filter(region_id=region)
    if vardomrade:
        qs = qs.filter(vardomrade=vardomrade)
    if typ:
        qs = qs.filter(typ=typ)
    return list(qs.select_related("leverans").order_by("manad", "typ", "vardomrade"))


RAPPORTERANDE_SEKUNDER = 24 * 3600  # keyed on the delivery: the day only bounds what an old delivery keeps


def tackning(
    *, kva=None, kallor: Iterable[str] | None = None, leveranser: dict[str, Leverans] | None = None
) -> list[str]:
    """What the registers cover and what they do not, from the data: per register source of the page, how many
    units (in how many regions) report in its newest delivery, which catalogue units offering the KVÅ group do not
    (the first few by name), and the regions without any reporting unit. Every lägesbild page shows these lines
    ("inte heltäckande"), never a fixed sentence. Two queries per source."""
    kallor = list(kallor) if kallor is not None else kallor_for_kva(kva.register) if kva else list(REGISTER)
    leveranser = senaste_leveranser(Kalla.values) if leveranser is None else leveranser
    regionnamn = {r.kod: r.namn for r in referensdata.regioner()}
    rader = []
    for kalla in kallor:
        lev = leveranser.get(kalla)
        if lev is None:
            rader.append(f"{Kalla(kalla).label}: ingen leverans har lästs in, så täckningen är okänd.")
            continue
        if kalla == Kalla.VANTETIDER:
            rader.append(_tackning_vantetider(lev, regionnamn))
            continue
        rapporterande = _rapporterande(lev, kva.kod if kva else None)
        vad = f" {kva.kod}" if kva else ""
        text = (
            f"{Kalla(kalla).label} (leverans {lev.uttagsdatum:%Y-%m-%d}): {fmt.antal(len(rapporterande))} "
            f"{fmt.plural(len(rapporterande), 'vårdenhet', 'vårdenheter')} i "
            f"{fmt.antal(len(set(rapporterande.values())))} av {len(regionnamn)} regioner rapporterar{vad}."
        )
        if kva:
            erbjuder = katalog_api.enheter_namn(katalog_api.enheter_med_utbud(kva.kod))
            saknas = sorted(namn for pk, namn in erbjuder.items() if pk not in rapporterande)
            if saknas:
                forsta = ", ".join(saknas[:3]) + (" m.fl." if len(saknas) > 3 else "")
                text += (
                    f" Registret är inte heltäckande: {fmt.antal(len(saknas))} av {fmt.antal(len(erbjuder))} "
                    f"enheter i katalogen som erbjuder {kva.kod} saknas ({forsta})."
                )
            else:
                text += f" Alla {fmt.antal(len(erbjuder))} enheter i katalogen som erbjuder {kva.kod} finns med."
        utan = sorted(namn for kod, namn in regionnamn.items() if kod not in set(rapporterande.values()))
        if utan:
            text += " Regioner utan rapporterande enhet: " + ", ".join(utan) + "."
        rader.append(text)
    return rader


def _rapporterande(lev: Leverans, kva_kod: str | None) -> dict[int, str]:
    """{unit id: region} of the units reporting in the delivery (for one KVÅ group, else any): a DISTINCT over the
    delivery's rows (about 75 ms for the unit view at seed_scale 1, a third of the page, bench/profiler/), so it is
    cached under the delivery's id, checksum and time read in: a delivery's rows never change once read in, and a new
    delivery has a new key. Without a reachable cache it is computed directly (the page never fails because of it)."""
    inlast = lev.inlast.isoformat() if lev.inlast else ""
    nyckel = f"lagesbild:rapporterande:v1:{lev.pk}:{lev.checksumma}:{inlast}:{kva_kod or ''}"
    try:
        traff = cache.get(nyckel)
    except Exception:  # the cache is an optimisation only
        traff = None
    if traff is not None:
        return traff
    qs = Matvarde.objects.filter(leverans=lev).enheter()
    if kva_kod:
        qs = qs.filter(kva_id=kva_kod)
    rapporterande = dict(qs.order_by().values_list("vardenhet_id", "region_id").distinct())
    with contextlib.suppress(Exception):  # no cache: computed again next time
        cache.set(nyckel, rapporterande, RAPPORTERANDE_SEKUNDER)
    return rapporterande


def _tackning_vantetider(lev: Leverans, regionnamn: dict[str, str]) -> str:
    """Väntetidsdatabasen reports per region: which regions have figures for the newest month."""
    senaste = VantetidManad.objects.order_by("-manad").values_list("manad", flat=True).first()
    if senaste is None:
        return "Väntetidsdatabasen: inga månader har lästs in, så täckningen är okänd."
    har = set(VantetidManad.objects.filter(manad=senaste, region__isnull=False).values_list("region_id", flat=True))
    text = (
        f"Väntetidsdatabasen ({senaste:%Y-%m}, leverans {lev.uttagsdatum:%Y-%m-%d}): {len(har)} av "
        f"{len(regionnamn)} regioner har rapporterat."
    )
    utan = sorted(namn for kod, namn in regionnamn.items() if kod not in har)
    if utan:
        text += " Inte heltäckande – regioner utan uppgifter: " + ", ".join(utan) + "."
    return text


def prognoser(*, kva_kod: str | None = None, hsa_id: str | None = None, bara_visade: bool = False) -> list[dict]:
    """The nightly forecasts (lagesbild.prognos) per unit × KVÅ group × register: method, whether it is shown and
    why, the backtest errors and the months ahead with their 80 % interval. One query."""
    qs = Prognos.objects.all()
    if kva_kod:
        qs = qs.filter(kva_id=kva_kod)
    if hsa_id:
        qs = qs.filter(vardenhet__hsa_id=hsa_id)
    if bara_visade:
        qs = qs.filter(visas=True)
    falt = ("vardenhet__hsa_id", "vardenhet__namn", "kva_id", "kalla", "grundmanad", "metod", "visas", "skal", "mae")
    return [
        {
            "hsa_id": r["vardenhet__hsa_id"],
            "namn": r["vardenhet__namn"],
            "kva": r["kva_id"],
            "kalla": r["kalla"],
            "grundmanad": r["grundmanad"],
            "metod": r["metod"],
            "visas": r["visas"],
            "skal": r["skal"],
            "mae_dagar": r["mae"],
            "manader": r["punkter"] if r["visas"] else [],
        }
        for r in qs.order_by("vardenhet__hsa_id", "kva_id", "kalla").values(*falt, "punkter")
    ]


@dataclass(frozen=True)
class Prognosvarde:
    """A shown forecast's figures for one month: median and 80 % interval (days), and the method's name."""

    median_dagar: int
    lag: int
    hog: int
    metod: str


def _metodnamn() -> dict[str, str]:
    return dict(cast(list[tuple[str, str]], Prognos._meta.get_field("metod").choices))  # set on the field


def _prognosvarde(metod: str, punkter: list[dict], nyckel: str, namn: dict[str, str]) -> Prognosvarde | None:
    """The forecast's figures for month `nyckel` (YYYY-MM), None when the forecast does not reach it."""
    for p in punkter:
        if p["manad"] == nyckel:
            return Prognosvarde(p["median"], p["lag"], p["hog"], namn.get(metod, metod))
    return None


def prognosmanader(*, kva_kod: str, vardenhet_ids=None) -> dict[int, dict[str, Prognosvarde]]:
    """Unit id → month (YYYY-MM) → the shown forecast's figures, for every month a shown forecast of the group
    covers (the waiting-list risk looks up the month each patient's expected date falls in). One query."""
    qs = Prognos.objects.filter(kva_id=(kva_kod or "").strip().upper(), visas=True)
    if vardenhet_ids is not None:
        qs = qs.filter(vardenhet_id__in=vardenhet_ids if isinstance(vardenhet_ids, QuerySet) else list(vardenhet_ids))
    namn = _metodnamn()
    resultat: dict[int, dict[str, Prognosvarde]] = {}
    for enhet_id, metod, punkter in qs.order_by("-kalla").values_list("vardenhet_id", "metod", "punkter"):
        resultat[enhet_id] = {
            p["manad"]: Prognosvarde(p["median"], p["lag"], p["hog"], namn.get(metod, metod)) for p in punkter
        }
    return resultat
