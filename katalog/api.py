"""What other apps ask of the catalogue: KVÅ groups and their resolver, units, offerings, capacity announcements.

sok/ reads the catalogue only through this module (import contract in pyproject.toml). Models are handed on only
where a form or a type needs them (`KvaGrupp`, `Agarform`); everything else is a function."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from katalog.models import Agarform, Kapacitetsannons, KvaGrupp, Vardenhet, Vardutbud
from vardformedling import referensdata

__all__ = [
    "Agarform",
    "KvaGrupp",
    "Utbudsrad",
    "enheter_med_utbud",
    "enheter_namn",
    "hitta_kva",
    "kapacitet_erbjudanden",
    "kapacitet_for_enhet",
    "kva_grupper",
    "kva_utan_namn",
    "utbud_for_enhet",
    "utbud_for_kva",
    "utbud_med_enheter",
    "vardenhet",
    "vardenhet_position",
    "vardenheter_lista",
    "version",
]


def kva_grupper() -> list[KvaGrupp]:
    """Every KVÅ group, by code: read once per process until a group is written (vardformedling.referensdata)."""
    return referensdata.hamta("kva_grupper", lambda: KvaGrupp.objects.all())


def version() -> str | None:
    """A version of the catalogue's units and KVÅ groups that changes on every write of them (None without a
    shared cache): what an HTTP validator of answers naming units is built from. No database query."""
    enheter, grupper = referensdata.version("katalog"), referensdata.version("kva_grupper")
    return f"{enheter}.{grupper}" if enheter and grupper else None


def kva_utan_namn() -> list[str]:
    """The codes of the groups that arrived in a file without a name: flagged for an administrator to name."""
    return [k.kod for k in kva_grupper() if not k.benamning]


def hitta_kva(text: str, grupper: Iterable[KvaGrupp] | None = None) -> tuple[KvaGrupp | None, list[KvaGrupp]]:
    """Free text or a code → (the group, the candidates to choose between), the one KVÅ resolver of the portal.

    An exact code wins, whether it is the whole text or its first word ("CJE Kataraktoperation", as a datalist
    option reads); then the groups that have the text as one of their everyday words (`synonymer`: "grå starr" →
    CJE, "knäprotes" → NGB); otherwise every group whose code starts with the text or whose name, care area or
    everyday words contain it (case-insensitive), in code order. A single candidate is the group. `grupper` are the
    groups to search (default: all, one query)."""
    text = (text or "").strip()
    if not text:
        return None, []
    grupper = kva_grupper() if grupper is None else list(grupper)
    kod = text.split()[0].upper()
    exakt = next((k for k in grupper if k.kod.upper() == kod), None)
    if exakt:
        return exakt, []
    q = " ".join(text.lower().split())
    kandidater = [k for k in grupper if q in _synonymer(k)]
    if not kandidater:
        kandidater = [
            k
            for k in grupper
            if k.kod.lower().startswith(q)
            or q in k.benamning.lower()
            or q in k.vardomrade.lower()
            or any(q in s for s in _synonymer(k))
        ]
    if len(kandidater) == 1:
        return kandidater[0], []
    return None, kandidater


def _synonymer(k: KvaGrupp) -> list[str]:
    return [s for s in (getattr(k, "synonymer", "") or "").split(",") if s]


@dataclass(slots=True)
class Utbudsrad:
    """One unit's offering of a KVÅ group: the few columns a ranking needs, without model instances."""

    utbud_id: int
    vardenhet_id: int
    namn: str
    aktiv: bool
    region_id: str
    lat: float | None
    lon: float | None
    max_asa: int
    narkos: bool
    tar_emot_andra_regioner: bool
    reoperation_andel: Decimal | None = None  # the quality measure, percent; None = not known


_UTBUDSFALT = (
    "pk",
    "vardenhet_id",
    "vardenhet__namn",
    "vardenhet__aktiv",
    "vardenhet__region_id",
    "vardenhet__lat",
    "vardenhet__lon",
    "max_asa",
    "narkos",
    "tar_emot_andra_regioner",
    "reoperation_andel",
)


def utbud_for_kva(
    *, kva_kod: str, region: str | None = None, sjukvardsregion: str | None = None, agarform: str | None = None
) -> list[Utbudsrad]:
    """The offering of a KVÅ group, narrowed by the unit's region, sjukvårdsregion and the provider's ownership.
    Unordered (the caller ranks). Unnarrowed, it is read once per process and catalogue version (every write to
    providers, units or offerings invalidates it: `KatalogQuerySet`); narrowed, one query."""
    if not (region or sjukvardsregion or agarform):
        return list(_gruppens_utbud(kva_kod)[0])
    qs = Vardutbud.objects.filter(kva_id=kva_kod)
    if region:
        qs = qs.filter(vardenhet__region_id=region)
    if sjukvardsregion:
        qs = qs.filter(vardenhet__region__sjukvardsregion=sjukvardsregion)
    if agarform:
        qs = qs.filter(vardenhet__vardgivare__agarform=agarform)
    return _utbudsrader(qs)


def _utbudsrader(qs: QuerySet) -> list[Utbudsrad]:
    # No ORDER BY (and so no join on the KVÅ table).
    return [Utbudsrad(*row) for row in qs.order_by().values_list(*_UTBUDSFALT)]


def _gruppens_utbud(kva_kod: str) -> tuple[list[Utbudsrad], dict[int, Vardutbud]]:
    """The group's offering as rows and, by id, with unit, provider and region loaded (one query on the first
    search of the group after a catalogue change, none after). Shared between requests: read only."""

    def las() -> tuple[list[Utbudsrad], dict[int, Vardutbud]]:
        qs = Vardutbud.objects.filter(kva_id=kva_kod).order_by()
        alla = {vu.pk: vu for vu in qs.select_related("vardenhet__vardgivare", "vardenhet__region")}
        rader = [
            Utbudsrad(*(getattr(vu.vardenhet if f.startswith("vardenhet__") else vu, f.removeprefix("vardenhet__"))
                        for f in _UTBUDSFALT))
            for vu in alla.values()
        ]  # fmt: skip
        return rader, alla

    return referensdata.hamta_per_nyckel("katalog", kva_kod, las)


def enheter_med_utbud(kva_kod: str) -> QuerySet:
    """The ids of the units that offer the KVÅ group, as a lazy subquery for another app's filter (`__in`): no
    query of its own, and no list of ids to send."""
    return Vardutbud.objects.filter(kva_id=kva_kod).values_list("vardenhet_id", flat=True)


def enheter_namn(ids) -> dict[int, str]:
    """Unit id → name for the active units among `ids` (a list or a lazy subquery such as enheter_med_utbud)."""
    return dict(Vardenhet.objects.aktiva().filter(pk__in=ids).values_list("pk", "namn"))


def utbud_med_enheter(utbud_ids: Iterable[int], *, kva_kod: str | None = None) -> dict[int, Vardutbud]:
    """Offerings by id with their unit, provider and region loaded, for the results shown: from the group's cached
    offering when `kva_kod` names the group they belong to (no query), else one query. Read only."""
    utbud_ids = list(utbud_ids)
    if kva_kod:
        alla = _gruppens_utbud(kva_kod)[1]
        if all(pk in alla for pk in utbud_ids):
            return {pk: alla[pk] for pk in utbud_ids}
    qs = Vardutbud.objects.filter(pk__in=utbud_ids).select_related("vardenhet__vardgivare", "vardenhet__region")
    return {vu.pk: vu for vu in qs}


def vardenhet_position(hsa_id: str) -> Vardenhet | None:
    """The unit's name and position (lat, lon), or None when the HSA-id is unknown."""
    return Vardenhet.objects.filter(hsa_id=hsa_id).only("namn", "lat", "lon").first()


def vardenhet(hsa_id: str) -> Vardenhet | None:
    """The unit with its provider and region, or None when the HSA-id is unknown."""
    return Vardenhet.objects.select_related("vardgivare", "region").filter(hsa_id=hsa_id).first()


def utbud_for_enhet(enhet: Vardenhet) -> list[Vardutbud]:
    """The unit's offering with its KVÅ groups (one query)."""
    return list(enhet.vardutbud.select_related("kva"))


def kapacitet_erbjudanden(*, kva_kod: str, antal: int = 5) -> list[Kapacitetsannons]:
    """Active capacity offers for a KVÅ group, newest first."""
    qs = Kapacitetsannons.objects.aktiva().erbjudanden().filter(kva_id=kva_kod)
    return list(qs.select_related("region", "vardenhet")[:antal])


def kapacitet_per_enhet(*, kva_kod: str, datum=None) -> dict[int, int]:
    """Unit id → the patients its active capacity offers for the group announce (summed): a cap in the bulk
    matching (sok.fordelning). Units without an announcement are absent."""
    from django.db.models import Sum

    qs = Kapacitetsannons.objects.aktiva(datum).erbjudanden().filter(kva_id=kva_kod, vardenhet__isnull=False)
    return dict(qs.order_by().values_list("vardenhet_id").annotate(n=Sum("antal")))


def kapacitet_for_enhet(enhet: Vardenhet, *, antal: int = 10) -> list[Kapacitetsannons]:
    """Active capacity announcements of a unit, newest first."""
    qs = Kapacitetsannons.objects.aktiva().filter(vardenhet=enhet)
    return list(qs.select_related("kva", "region", "vardenhet")[:antal])


def registrera_matchare(funktion) -> None:
    """`funktion(annons)` → {region: open cases that fit}; called when capacity is published (katalog.matchning)."""
    from katalog import matchning

    matchning.registrera_matchare(funktion)


def vardenheter_lista(*, region: str | None = None, kva_kod: str | None = None) -> list[dict]:
    """Catalogue facts of every unit (no personal data), optionally of one region or offering one KVÅ group, with
    the codes of the groups each offers: what /api/v1/enheter lists. Two queries."""
    qs = Vardenhet.objects.all()
    if region:
        qs = qs.filter(region_id=region)
    if kva_kod:
        qs = qs.filter(pk__in=enheter_med_utbud(kva_kod.upper()))
    rader = list(
        qs.order_by("hsa_id").values(
            "pk", "hsa_id", "namn", "region_id", "kommun", "ort", "lat", "lon", "aktiv", "kalla",
            "vardgivare__hsa_id", "vardgivare__namn", "vardgivare__agarform",
        )
    )  # fmt: skip
    utbud: dict[int, list[str]] = {}
    for enhet_id, kod in (
        Vardutbud.objects.filter(vardenhet_id__in=[r["pk"] for r in rader])
        .order_by("kva_id")
        .values_list("vardenhet_id", "kva_id")
    ):
        utbud.setdefault(enhet_id, []).append(kod)
    return [
        {
            "hsa_id": r["hsa_id"],
            "namn": r["namn"],
            "region_kod": r["region_id"],
            "kommun": r["kommun"],
            "ort": r["ort"],
            "lat": r["lat"],
            "lon": r["lon"],
            "aktiv": r["aktiv"],
            "kalla": r["kalla"],
            "vardgivare_hsa_id": r["vardgivare__hsa_id"],
            "vardgivare": r["vardgivare__namn"],
            "agarform": r["vardgivare__agarform"],
            "kva_grupper": utbud.get(r["pk"], []),
        }
        for r in rader
    ]
