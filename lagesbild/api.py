"""What other apps ask of the lägesbild. The lagesbild app owns the implementation; the signature is shared."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from lagesbild.models import MAX_ALDER_DAGAR, Kalla, Leverans, Matvarde
from vardformedling import referensdata

REGISTER = (Kalla.SPOR, Kalla.NCR)


@dataclass(frozen=True)
class Vantetid:
    """A unit's latest waiting-time figure for one KVÅ group and period (urval "alla")."""

    median_dagar: int | None
    antal: int | None
    undertryckt: bool  # "<5" in the register: show "färre än 5", never compute with it
    kalla: str  # "SPOR" or "NCR"
    datum: date  # uttagsdatum of the delivery


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


def vantetider_for_enheter(
    *, kva_kod: str, vardenhet_ids: Iterable[int] | None = None, period: str = "90d"
) -> dict[int, Vantetid]:
    """Latest figure per care-unit id (all units with data when `vardenhet_ids` is None).

    Rule: urval "alla" of the newest SPOR and NCR deliveries; a unit in both registers for the group gets the
    figure with the newest date, then the most operations. Two queries.
    """
    leveranser = senaste_leveranser()
    if not leveranser:
        return {}
    qs = Matvarde.objects.for_leveranser(leveranser.values()).enheter()
    qs = qs.filter(kva_id=(kva_kod or "").strip().upper(), matperiod=period, urval="alla")
    if isinstance(vardenhet_ids, QuerySet):  # a subquery (katalog.api.enheter_med_utbud): no ids to send
        qs = qs.filter(vardenhet_id__in=vardenhet_ids)
    elif vardenhet_ids is not None:
        ids = list(vardenhet_ids)
        if not ids:
            return {}
        qs = qs.filter(vardenhet_id__in=ids)
    return _senaste_per_nyckel(
        qs.values_list("vardenhet_id", "leverans_id", "antal", "median", "undertryckt"), leveranser
    )


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
