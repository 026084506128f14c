"""The comparison table's reads: choose the KVÅ group, fetch the latest figures, sort with suppressed cells last.

Rule: the region level shows the register's own totals (rows without a unit); nothing here ever computes a
median from other medians.
"""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse

from katalog import api as katalog_api
from katalog.models import KvaGrupp
from lagesbild.models import Kalla, Matvarde
from lagesbild.validering import URVAL
from vardformedling import format as fmt
from vardformedling.indata import citera
from vardformedling.models import Region

PERIODER = {"30": "30d", "90": "90d", "365": "365d"}
NIVAER = {"enhet": "Vårdenhet", "region": "Region"}
ORDNINGAR = ("stigande", "fallande")
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
# How the applied selection reads in the heading ("90 dagar, per vårdenhet, narkos (generell anestesi)").
URVAL_RUBRIK = {
    "alla": "alla patienter",
    "inom_2v": "prioritet inom 2 veckor",
    "inom_4v": "prioritet inom 4 veckor",
    "inom_3m": "prioritet inom 3 månader",
    "inom_6m": "prioritet inom 6 månader",
    "over_6m": "prioritet över 6 månader",
    "narkos": "narkos (generell anestesi)",
    "lokal": "lokalbedövning",
}
KOLUMN_NAMN = {
    "namn": "namn",
    "region": "region",
    "antal": "operationer",
    "median": "median",
    "p90": "90:e percentil",
    "andel90": "andel inom 90 dagar",
    "asa": "ASA 3–4 (senaste 12 mån)",
    "kalla": "källa",
    "datum": "datum",
}
# sort key → attribute
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
    kalla: str | None
    datum: date | None
    antal: int | None
    undertryckt: bool
    median: int | None
    p90: int | None
    andel_inom_90: float | None
    andel_asa_3_4: float | None
    riket: bool = False
    saknas: bool = False  # a region the register delivered no total for: shown as "uppgift saknas"
    # Display texts, set by for_visning for the rows of one page.
    url: str = field(default="", compare=False)
    sok_url: str = field(default="", compare=False)
    antal_text: str = field(default="", compare=False)
    median_text: str = field(default="", compare=False)
    p90_text: str = field(default="", compare=False)
    andel90_text: str = field(default="", compare=False)
    asa_text: str = field(default="", compare=False)
    datum_text: str = field(default="", compare=False)


@dataclass
class Val:
    """The choices of one table view, checked: what is applied, and a Swedish note for each value ignored."""

    text: str = ""
    kva: KvaGrupp | None = None
    kandidater: list[KvaGrupp] = field(default_factory=list)
    period: str = "90"
    niva: str = "enhet"
    urval: str = "alla"
    region: Region | None = None
    sort: str = "median"
    ordning: str = "stigande"
    sida: str = ""
    meddelanden: list[str] = field(default_factory=list)

    @property
    def fallande(self) -> bool:
        return self.ordning == "fallande"

    def params(self, **andra) -> dict:
        """The canonical query of this view (the URL to share), optionally with other values."""
        params = {"kva": self.kva.kod if self.kva else self.text, "period": self.period, "niva": self.niva}
        params |= {"urval": self.urval, "region": self.region.kod if self.region else ""}
        params |= {"sort": self.sort, "ordning": self.ordning, **andra}
        return {k: v for k, v in params.items() if v not in ("", None)}

    def url(self, **andra) -> str:
        return reverse("lagesbild:tabell") + "?" + urlencode(self.params(**andra))

    @property
    def rubrik(self) -> str:
        """The applied period, level, region and selection, in words."""
        niva = "per region" if self.niva == "region" else "per vårdenhet"
        if self.region:
            niva += f" i {self.region.namn}"
        return f"{self.period} dagar, {niva}, {URVAL_RUBRIK[self.urval]}"


def las_val(get: QueryDict, *, regioner: list[Region]) -> Val:
    """Reads the query string. A value that is not allowed falls back to the default, with a note saying so."""
    val = Val(text=get.get("kva", "").strip(), sida=get.get("sida", "").strip())
    val.kva, kandidater = katalog_api.hitta_kva(val.text)
    val.kandidater = kandidater[:20]
    noter = val.meddelanden
    urval_for_vad = f" för {val.kva.kod} ({val.kva.register or 'SPOR och NCR'})" if val.kva else ""
    tillatna = {  # parameter → (allowed values, note when another value was given)
        "period": (PERIODER, "Perioden {} finns inte (välj 30, 90 eller 365 dagar); visar 90 dagar."),
        "niva": (NIVAER, "Nivån {} finns inte (välj vårdenhet eller region); visar vårdenheter."),
        "urval": (dict(urval_for(val.kva)), "Urvalet {} finns inte" + urval_for_vad + "; visar alla patienter."),
        "sort": (KOLUMNER, "Det går inte att sortera på {}; sorterar på median."),
        "ordning": (ORDNINGAR, "Ordningen {} finns inte; sorterar stigande."),
    }
    for namn, (varden, fel) in tillatna.items():
        value = get.get(namn, "").strip()
        if value in varden:
            setattr(val, namn, value)
        elif value:
            noter.append(fel.replace("{}", citera(value)))
    kod = Region.normalise_kod(get.get("region", ""))
    if kod:
        val.region = next((r for r in regioner if r.kod == kod), None)
        if val.region is None:
            noter.append(f"Regionen {citera(kod)} finns inte; visar alla regioner.")
    return val


def sidan(rader: list, val: Val) -> Page:
    """The page asked for; a page that does not exist shows the nearest one that does, and says so."""
    paginator = Paginator(rader, PER_SIDA)
    sida = paginator.get_page(val.sida)
    if val.sida and not (val.sida.isascii() and val.sida.isdigit() and int(val.sida) == sida.number):
        val.meddelanden.append(f"Sidan {citera(val.sida)} finns inte; visar sida {sida.number}.")
    return sida


def urval_for(kva: KvaGrupp | None) -> list[tuple[str, str]]:
    """SPOR groups offer priority groups, NCR groups general anaesthesia (REGISTER_FILES.md)."""
    kallor = [Kalla.NCR] if kva and kva.register == "NCR" else [Kalla.SPOR] if kva and kva.register else list(URVAL)
    values: list[str] = []
    for kalla in kallor:
        values += [v for v in URVAL[kalla][1] if v not in values]
    return [(v, URVAL_TEXT[v]) for v in values]


def hamta_rader(
    *, kva: KvaGrupp, matperiod: str, urval: str, niva: str, leveranser: dict, region: str | None = None
) -> tuple[list[Rad], list]:
    """(rows for the chosen level, national rows) from the newest deliveries; one query.

    `region` keeps the units (or the region total) of that region; the national row always stays as reference.
    The ASA 3–4 share is the register's over the last 12 months (the 365-day row), whatever window is chosen, as
    the source defines it; a row without a 12-month figure shows none.
    """
    if not leveranser:
        return [], []

    def urval_for_period(perioder: list[str]):
        qs = Matvarde.objects.for_leveranser(leveranser.values()).filter(kva=kva, matperiod__in=perioder, urval=urval)
        if niva == "enhet":
            qs = qs.filter(Q(vardenhet__isnull=False) | Q(region__isnull=True))
        else:
            qs = qs.filter(vardenhet__isnull=True)
        if region:
            qs = qs.filter(Q(region_id=region) | Q(region__isnull=True, vardenhet__isnull=True))
        return qs

    # One query for the chosen window and, unless it is the 365 days itself, the 365-day rows of the same selection
    # (their ASA 3–4 share is the one shown); split here.
    perioder = [matperiod] if matperiod == "365d" else [matperiod, "365d"]
    qs = urval_for_period(perioder)
    datum = {lev.pk: (lev.kalla, lev.uttagsdatum) for lev in leveranser.values()}
    alla = list(
        qs.values_list(
            "matperiod",
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
    )
    asa_12 = _asa_12_manader(alla, matperiod)
    rows = (r[1:] for r in alla if r[0] == matperiod)
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
            andel_asa_3_4=tal[5] if asa_12 is None else asa_12.get((hsa_id or None, region_kod, lev_id)),
            riket=is_riket,
        )
        if is_riket:
            riket.append(rad)
        elif (niva == "enhet") == bool(hsa_id):
            rader.append(rad)
    return rader, riket


def _asa_12_manader(rader: list[tuple], matperiod: str) -> dict | None:
    """(HSA-id, region, delivery) → the ASA 3–4 share of the 365-day row of the same selection (`rader` as read by
    `hamta_rader`, period first); None when the chosen window is the 365 days itself."""
    if matperiod == "365d":
        return None
    # period, unit name, HSA-id, region, region name, delivery, …, ASA 3–4 share
    return {(r[2] or None, r[3], r[5]): r[-1] for r in rader if r[0] == "365d"}


def med_saknade_regioner(rader: list[Rad], regioner: list[Region]) -> list[Rad]:
    """The region level lists every region: one the register gave no total for is a row "uppgift saknas"
    (never a total computed here from the units)."""
    har = {r.region_kod for r in rader}
    saknade = [
        Rad(
            namn=reg.namn,
            hsa_id="",
            region_kod=reg.kod,
            region_namn=reg.namn,
            kalla=None,
            datum=None,
            antal=None,
            undertryckt=False,
            median=None,
            p90=None,
            andel_inom_90=None,
            andel_asa_3_4=None,
            saknas=True,
        )
        for reg in regioner
        if reg.kod not in har
    ]
    return rader + saknade


def _procent(varde: float | None) -> str:
    return "–" if varde is None else fmt.procent(varde, 1)  # "21,9 %" never wraps


def _heltal(varde: int | None) -> str:
    """Swedish digit grouping with a non-breaking space (2 295, 21 304), as the Väntetidsdatabasen page."""
    return "–" if varde is None else fmt.antal(varde)


def for_visning(rader: list[Rad], *, kva: KvaGrupp) -> list[Rad]:
    """Display texts computed once in Python for the rows of one page (the template only prints them)."""
    sok = reverse("katalog:sok")
    for r in rader:
        r.url = reverse("lagesbild:enhet", args=[r.hsa_id]) if r.hsa_id else ""
        # Hitta vårdgivare for the group, among the units of this unit's region (the unit itself is one of them).
        r.sok_url = sok + "?" + urlencode({"kva": kva.kod, "region": r.region_kod}) if r.hsa_id else ""
        r.antal_text, r.median_text, r.p90_text = (_heltal(v) for v in (r.antal, r.median, r.p90))
        r.andel90_text = _procent(r.andel_inom_90)
        r.asa_text = _procent(r.andel_asa_3_4)
        r.datum_text = r.datum.isoformat() if r.datum else "–"
    return rader


def sortera(rader: list[Rad], sort: str, fallande: bool) -> list[Rad]:
    """Sorted by the column; rows without a value (suppressed "färre än 5", or "uppgift saknas") always come
    last, in name order."""
    attr = KOLUMNER.get(sort, "median")
    med = [r for r in rader if getattr(r, attr) is not None]
    utan = [r for r in rader if getattr(r, attr) is None]
    if attr in {"namn", "region_kod", "kalla"}:
        med.sort(key=lambda r: (str(getattr(r, attr)).lower(), r.namn.lower()), reverse=fallande)
    else:
        med.sort(key=lambda r: getattr(r, attr), reverse=fallande)
    utan.sort(key=lambda r: r.namn.lower())
    return med + utan
