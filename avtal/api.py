"""What other apps ask of agreements: usable lines per unit, a unit's agreements, volume held by cases, labels.

sok/ and uppfoljning/ read agreements only through this module (import contracts in pyproject.toml)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.db.models import Count, F, Prefetch, Q, QuerySet

from katalog import api as katalog_api
from vardformedling import referensdata


@dataclass(frozen=True)
class RadInfo:
    """One agreement line usable for a unit: price and the volume left (None = no cap)."""

    rad_id: int
    avtal_pk: int
    avtal_id: str
    avtalsagare_kod: str
    pris_kr: Decimal | None
    ersattningsmodell: str
    takvolym: int | None
    kvar: int | None


@lru_cache(maxsize=128)
def _anvandbara_rader_qs(kva_kod: str, region_kod: str, datum: date) -> QuerySet:
    """The usable lines' query with their volume left, built once per process for a group, region and day: building
    it (the usable rule's joins and subqueries, the volume-left subquery) was about 4 ms of a search's CPU (issue 15
    point 8). It is only ever run through a clone (`.all()`), so no rows are kept: volume left is read every time."""
    from avtal.models import Avtalsrad

    return (
        Avtalsrad.objects.filter(kva_id=kva_kod)
        .anvandbara(region_kod=region_kod, datum=datum)
        .med_kvar()
        # No Meta.ordering: the lines' order is not used, and its joins (KVÅ group, owning region) cost planning and
        # a hash join on every search (issue 15 point 8).
        .order_by()
        .values("id", "avtal_id", "avtal__avtal_id", "avtal__avtalsagare_id", "pris_kr", "ersattningsmodell",
                "takvolym", "left")
    )  # fmt: skip


def anvandbara_rader(
    *,
    kva_kod: str,
    region_kod: str,
    datum: date,
    vardenhet_ids: Iterable[int] | None = None,
    bara_utbud: bool = False,
) -> dict[int, list[RadInfo]]:
    """Agreement lines for `kva_kod` valid on `datum` and usable by `region_kod`, per care-unit id.

    Lines whose cap is reached are included with kvar == 0 so the search can say "takvolym nådd". Which units a
    line is for is `Avtal.objects.omfattar`'s rule (the provider's units, or those the agreement names). Two
    queries regardless of size; `vardenhet_ids` may be ids or a subquery of them. `bara_utbud`: only the units that
    offer the group, their coverage read from this process's copy while the agreements' and the catalogue's
    versions are current (`_omfattade_med_utbud`); the lines and their volume left are always read.
    """
    from avtal.models import Avtal

    rader = list(_anvandbara_rader_qs(kva_kod, region_kod, datum).all())  # a clone: rows are never kept
    if not rader:
        return {}
    avtal_pks = {r["avtal_id"] for r in rader}
    enheter_per_avtal: dict[int, tuple[int, ...]] = {}
    okanda = avtal_pks
    if bara_utbud:
        kanda, enheter_per_avtal = _omfattade_med_utbud(kva_kod)
        okanda = avtal_pks - kanda  # written since the copy was made and not yet seen by its invalidation
        if okanda:
            enheter_per_avtal = dict(enheter_per_avtal)
        vardenhet_ids = katalog_api.enheter_med_utbud(kva_kod)
    if okanda:
        for avtal_pk, enhet_id in Avtal.objects.filter(pk__in=okanda).omfattade_enheter(vardenhet_ids):
            enheter_per_avtal[avtal_pk] = (*enheter_per_avtal.get(avtal_pk, ()), enhet_id)
    resultat: dict[int, list[RadInfo]] = {}
    for r in rader:
        info = RadInfo(
            rad_id=r["id"],
            avtal_pk=r["avtal_id"],
            avtal_id=r["avtal__avtal_id"],
            avtalsagare_kod=r["avtal__avtalsagare_id"],
            pris_kr=r["pris_kr"],
            ersattningsmodell=r["ersattningsmodell"],
            takvolym=r["takvolym"],
            kvar=r["left"],
        )
        for enhet_id in enheter_per_avtal.get(r["avtal_id"], ()):
            resultat.setdefault(enhet_id, []).append(info)
    return resultat


def _omfattade_med_utbud(kva_kod: str) -> tuple[frozenset[int], dict[int, tuple[int, ...]]]:
    """The agreements with a line for the group, and for each the units it covers among those offering the group:
    this process's copy per group while the set "avtal" (agreements, their units, their lines) and the catalogue's
    version are current. The covering join was a third of the search's SQL and its rows a share of its CPU (issue
    15 point 8); it changes only when agreements or the catalogue are written. Read only."""
    from avtal.models import Avtal, Avtalsrad

    def las() -> tuple[frozenset[int], dict[int, tuple[int, ...]]]:
        kanda = frozenset(Avtalsrad.objects.filter(kva_id=kva_kod).values_list("avtal_id", flat=True).distinct())
        per_avtal: dict[int, list[int]] = {}
        for avtal_pk, enhet_id in Avtal.objects.filter(pk__in=kanda).omfattade_enheter(
            katalog_api.enheter_med_utbud(kva_kod)
        ):
            per_avtal.setdefault(avtal_pk, []).append(enhet_id)
        return kanda, {pk: tuple(ids) for pk, ids in per_avtal.items()}

    return referensdata.hamta_per_nyckel("avtal", (kva_kod, referensdata.version("katalog")), las)


def avtal_for_enhet(vardenhet) -> list:
    """Every agreement that covers the unit, newest end date first, with its owner and lines (three queries)."""
    from avtal.models import Avtal, Avtalsrad

    return list(
        Avtal.objects.omfattar(vardenhet)
        .select_related("avtalsagare")
        .prefetch_related(Prefetch("rader", queryset=Avtalsrad.objects.select_related("kva")))
        .order_by("-giltig_till", "avtal_id")
    )


ERSATTNINGSMODELLER = {
    "per_atgard": "per åtgärd",
    "fast": "fast ersättning",
    "per_vardtillfalle": "per vårdtillfälle",
}


def ersattning_text(kod: str) -> str:
    """The agreement file's remuneration codes in words; free text is shown as written."""
    return ERSATTNINGSMODELLER.get(kod, kod)


def volym_per_avtal(*, referenser) -> list:
    """Volume held per agreement line by the cases whose IDs `referenser` gives (a list or a values() subquery):
    avtal_id, agare, vardgivare_namn, kva, takvolym, forbrukat, reserverat, totalt; most held first."""
    from avtal.models import AKTIVA_STATUSAR, Reservationsstatus, Volymreservation

    return list(
        Volymreservation.objects.filter(referens__in=referenser, status__in=AKTIVA_STATUSAR)
        .values(
            avtal_id=F("rad__avtal__avtal_id"),
            agare=F("rad__avtal__avtalsagare_id"),
            vardgivare_namn=F("rad__avtal__vardgivare__namn"),
            kva=F("rad__kva_id"),
            takvolym=F("rad__takvolym"),
        )
        .annotate(
            forbrukat=Count("id", filter=Q(status=Reservationsstatus.FORBRUKAD)),
            reserverat=Count("id", filter=Q(status=Reservationsstatus.RESERVERAD)),
        )
        .annotate(totalt=F("forbrukat") + F("reserverat"))
        .order_by("-totalt", "agare", "avtal_id", "kva")
    )


def fulla_rader():
    """A values("pk") subquery of the capped lines with no volume left (reserved + used + reported ≥ cap)."""
    from avtal.models import Avtalsrad

    return Avtalsrad.objects.filter(takvolym__isnull=False).med_volym().filter(left=0).values("pk")


def registrera_intressenter(funktion) -> None:
    """`funktion(rad_id)` → region codes also told when the line passes a volume threshold (avtal.trosklar)."""
    from avtal import trosklar

    trosklar.registrera_intressenter(funktion)


def regioner_som_far_nyttja(*, vardenhet, kva_kod: str, datum: date) -> set[str] | None:
    """Regions that may use an agreement line for `kva_kod` covering `vardenhet`, valid on `datum`; None = every
    region (an agreement anyone may use)."""
    from avtal.models import Avtal

    avtal = list(
        Avtal.objects.omfattar(vardenhet)
        .giltiga(datum)
        .filter(rader__kva_id=kva_kod)
        .prefetch_related("far_nyttjas_av")
        .distinct()
    )
    if any(a.far_nyttjas_av_alla for a in avtal):
        return None
    koder: set[str] = set()
    for a in avtal:
        koder.add(a.avtalsagare_id)
        koder |= {r.kod for r in a.far_nyttjas_av.all()}
    return koder


def publika_avtal(*, region: str | None = None, kva_kod: str | None = None) -> list[dict]:
    """Agreements' public fields for /api/v1/avtal: who owns it, with which provider, its type and dates, who may
    use it, the KVÅ groups and units it covers. Never prices, remuneration or volumes (commercial terms). Three
    queries."""
    from avtal.models import Avtal, Avtalsrad

    qs = Avtal.objects.select_related("vardgivare")
    if region:
        qs = qs.filter(avtalsagare_id=region)
    if kva_kod:
        qs = qs.filter(rader__kva_id=kva_kod.upper()).distinct()
    qs = qs.prefetch_related("far_nyttjas_av", "vardenheter").order_by("avtalsagare_id", "avtal_id")
    avtal = list(qs)
    kva: dict[int, list[str]] = {}
    for avtal_pk, kod in (
        Avtalsrad.objects.filter(avtal__in=avtal).order_by("kva_id").values_list("avtal_id", "kva_id").distinct()
    ):
        kva.setdefault(avtal_pk, []).append(kod)
    return [
        {
            "avtal_id": a.avtal_id,
            "avtalsagare": a.avtalsagare_id,
            "vardgivare_hsa_id": a.vardgivare.hsa_id,
            "vardgivare": a.vardgivare.namn,
            "avtalstyp": a.avtalstyp,
            "giltig_fran": a.giltig_fran,
            "giltig_till": a.giltig_till,
            "forlangning_till": a.forlangning_till,
            "far_nyttjas_av_alla": a.far_nyttjas_av_alla,
            "far_nyttjas_av": sorted(r.kod for r in a.far_nyttjas_av.all()),
            "vardenheter": sorted(e.hsa_id for e in a.vardenheter.all()),
            "kva_grupper": kva.get(a.pk, []),
        }
        for a in avtal
    ]


class VolymAvvisad(Exception):
    """A volume report through the API refused: `status` 403 (not the owning region's system), 404 (no such line),
    422 (a bad value); the message is Swedish and names the field."""

    def __init__(self, status: int, text: str):
        super().__init__(text)
        self.status = status


FEL_API_BEHORIG = (
    "Token får inte rapportera volym på avtal {avtal} ({agare}): bara avtalsägarens system (en token skapad med "
    "--region {agare})."
)


def rapportera_volym(
    *, token_region: str | None, avtal_id: str, avtalsagare: str, kva_kod: str, region_kod: str, manad: str,
    antal: int, kommentar: str = "", system: str = "",
) -> dict:  # fmt: skip
    """Volume used outside the portal, reported by the owning region's system (issue #19 point 1, "through the API"):
    the same checks as the form and the file, the same service (`volym_rapportera`, via "api"). Returns the figure
    and the line's used/reserved/left after it; raises VolymAvvisad."""
    from avtal.models import Avtalsrad
    from avtal.services import volym_rapportera
    from avtal.volym import FEL_MANAD, FEL_RAD_SAKNAS, FEL_REGION, MAX_ANTAL, manad_fran_text
    from vardformedling.indata import citera, utan_styrtecken
    from vardformedling.models import Region

    agare, region = Region.normalise_kod(avtalsagare), Region.normalise_kod(region_kod)
    kva = (kva_kod or "").strip().upper()
    rad = (
        Avtalsrad.objects.filter(avtal__avtal_id=avtal_id, avtal__avtalsagare_id=agare, kva_id=kva)
        .select_related("avtal")
        .first()
    )
    if rad is None:
        raise VolymAvvisad(404, "avtal_id: " + FEL_RAD_SAKNAS.format(avtal=citera(avtal_id, 64), agare=agare, kva=kva))
    if not token_region or token_region != rad.avtal.avtalsagare_id:
        raise VolymAvvisad(403, FEL_API_BEHORIG.format(avtal=rad.avtal.avtal_id, agare=agare))
    region_obj = Region.objects.filter(kod=region).first()
    if region_obj is None:
        raise VolymAvvisad(422, "region_kod: " + FEL_REGION.format(varde=citera(region_kod, 10)))
    forsta = manad_fran_text(manad)
    if forsta is None:
        raise VolymAvvisad(422, "manad: " + FEL_MANAD.format(varde=citera(manad, 10)))
    if not 0 <= antal <= MAX_ANTAL:
        raise VolymAvvisad(422, f"antal: ska vara ett heltal mellan 0 och {MAX_ANTAL}.")
    if len(kommentar) > 500 or utan_styrtecken(kommentar) != kommentar:
        raise VolymAvvisad(422, "kommentar: högst 500 tecken, inga styrtecken.")
    rapport, skapad = volym_rapportera(
        rad=rad, region=region_obj, manad=forsta, antal=antal, kommentar=kommentar, uppdrag=system[:200], via="api"
    )
    linje = Avtalsrad.objects.med_volym().get(pk=rad.pk)
    return {
        "avtal_id": rad.avtal.avtal_id, "avtalsagare": agare, "kva_grupp": kva, "region_kod": region,
        "manad": forsta.isoformat()[:7], "antal": rapport.antal, "ny": skapad, "takvolym": linje.takvolym,
        "forbrukat": linje.used, "reserverat": linje.reserved, "kvar": linje.left,
    }  # fmt: skip
