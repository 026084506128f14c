"""The comparison table's reads: choose the KVÅ group, fetch the latest figures, sort with suppressed cells last.

Rule: the region level shows the register's own totals (rows without a unit); nothing here ever computes a
median from other medians.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse

from katalog.models import KvaGrupp
from lagesbild.models import Kalla, Matvarde
from lagesbild.validering import URVAL

PERIODER = {"30": "30d", "90": "90d", "365": "365d"}
NIVAER = {"enhet": "Vårdenhet", "region": "Region"}
URVAL_TEXT = {
    "alla": "Alla",
    "inom_2v": "Prioritet: inom 2 veckor",
    "inom_4v": "Prioritet: inom 4 veckor",
    "inom_3m": "Prioritet: inom 3 månader",
    "inom_6m": "Prioritet: inom 6 månader",
    "over_6m": "Prioritet: över 6 månader",
    "narkos": "Narkos (generell anestesi)",
    "lokal": "Lokalbedövning",
}
# sort key → (column heading, attribute)
KOLUMNER = {
    "namn": "namn",
    "region": "region_kod",
    "antal": "antal",
    "median": "median",
    "p90": "p90",
    "andel90": "andel_inom_90",
    "asa": "andel_asa_3_4",
    "kalla": "kalla",
    "datum": "datum",
}
PER_SIDA = 50  # rows rendered per page; the national table has ~3,000 units


@dataclass
class Rad:
    namn: str
    hsa_id: str
    region_kod: str
    region_namn: str
    kalla: str
    datum: object
    antal: int | None
    undertryckt: bool
    median: int | None
    p90: int | None
    andel_inom_90: float | None
    andel_asa_3_4: float | None
    riket: bool = False


def hitta_kva(text: str) -> tuple[KvaGrupp | None, list[KvaGrupp]]:
    """Free text or code → (the group, other candidates). A code (also 'CJE …' from the datalist) wins."""
    text = (text or "").strip()
    if not text:
        return None, []
    kod = text.split()[0].upper()
    qs = KvaGrupp.objects.filter(
        Q(kod=kod) | Q(kod__istartswith=text) | Q(benamning__icontains=text) | Q(vardomrade__icontains=text)
    )[:20]
    kandidater = list(qs)
    exakt = next((k for k in kandidater if k.kod == kod), None)
    if exakt:
        return exakt, []
    if len(kandidater) == 1:
        return kandidater[0], []
    return None, kandidater


def urval_for(kva: KvaGrupp | None) -> list[tuple[str, str]]:
    """SPOR groups offer priority groups, NCR groups general anaesthesia (REGISTER_FILES.md)."""
    kallor = [Kalla.NCR] if kva and kva.register == "NCR" else [Kalla.SPOR] if kva and kva.register else list(URVAL)
    values: list[str] = []
    for kalla in kallor:
        values += [v for v in URVAL[kalla][1] if v not in values]
    return [(v, URVAL_TEXT[v]) for v in values]


def hamta_rader(*, kva: KvaGrupp, matperiod: str, urval: str, niva: str, leveranser: dict) -> tuple[list[Rad], list]:
    """(rows for the chosen level, national rows) from the newest deliveries; one query."""
    if not leveranser:
        return [], []
    qs = Matvarde.objects.for_leveranser(leveranser.values()).filter(kva=kva, matperiod=matperiod, urval=urval)
    if niva == "enhet":
        qs = qs.filter(Q(vardenhet__isnull=False) | Q(region__isnull=True))
    else:
        qs = qs.filter(vardenhet__isnull=True)
    datum = {lev.pk: (lev.kalla, lev.uttagsdatum) for lev in leveranser.values()}
    rows = qs.values_list(
        "vardenhet__namn",
        "vardenhet__hsa_id",
        "region_id",
        "region__namn",
        "leverans_id",
        "antal",
        "undertryckt",
        "median",
        "p90",
        "andel_inom_90",
        "andel_asa_3_4",
    )
    rader, riket = [], []
    for namn, hsa_id, region_kod, region_namn, lev_id, *tal in rows:
        kalla, uttag = datum[lev_id]
        is_riket = not hsa_id and not region_kod
        rad = Rad(
            namn=namn or ("Riket" if is_riket else region_namn or ""),
            hsa_id=hsa_id or "",
            region_kod=region_kod or "00",
            region_namn=region_namn or "Hela landet",
            kalla=kalla,
            datum=uttag,
            antal=tal[0],
            undertryckt=tal[1],
            median=tal[2],
            p90=tal[3],
            andel_inom_90=tal[4],
            andel_asa_3_4=tal[5],
            riket=is_riket,
        )
        if is_riket:
            riket.append(rad)
        elif (niva == "enhet") == bool(hsa_id):
            rader.append(rad)
    return rader, riket


def _procent(varde: float | None) -> str:
    return "–" if varde is None else f"{varde:.1f}".replace(".", ",") + " %"


def for_visning(rader: list[Rad]) -> list[Rad]:
    """Display texts computed once in Python for the rows of one page (the template only prints them)."""
    for r in rader:
        r.url = reverse("lagesbild:enhet", args=[r.hsa_id]) if r.hsa_id else ""
        r.antal_text, r.median_text, r.p90_text = ("–" if v is None else str(v) for v in (r.antal, r.median, r.p90))
        r.andel90_text = _procent(r.andel_inom_90)
        r.asa_text = _procent(r.andel_asa_3_4)
        r.datum_text = r.datum.isoformat() if r.datum else ""
    return rader


def sortera(rader: list[Rad], sort: str, fallande: bool) -> list[Rad]:
    """Sorted by the column; rows without a value (suppressed, "färre än 5") always come last."""
    attr = KOLUMNER.get(sort, "median")
    med = [r for r in rader if getattr(r, attr) is not None]
    utan = [r for r in rader if getattr(r, attr) is None]
    if attr in {"namn", "region_kod", "kalla"}:
        med.sort(key=lambda r: (str(getattr(r, attr)).lower(), r.namn.lower()), reverse=fallande)
    else:
        med.sort(key=lambda r: getattr(r, attr), reverse=fallande)
    utan.sort(key=lambda r: r.namn.lower())
    return med + utan
