"""The selection (urval) behind the follow-up page: filters from the URL, fixed to the user's region where needed."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from arenden.api import OPPNA, Arende, Status
from vardformedling.indata import heltal
from vardformedling.models import Roll

SOM = {"remitterande": "som remitterande region", "mottagande": "som mottagande region"}
UTFALL = {
    "": "Alla utfall",
    "pagaende": "Pågående",
    "utford": "Vård utförd",
    "avslutad": "Avslutade efter uppföljning",
    "avslutad_tidigt": "Avslutade i förtid",
}
DATUM_FEL = "Datumet i fältet ”{falt}” ska skrivas ÅÅÅÅ-MM-DD, t.ex. 2026-01-31. Standardperioden visas."
DATUM_UTANFOR_FEL = "Datumet i fältet ”{falt}” ska ligga mellan {forsta} och {sista}. Standardperioden visas."
FORSTA_DATUM, SISTA_DATUM = date(2000, 1, 1), date(2099, 12, 31)  # cases exist only in between
PERIOD_FEL = "Periodens slut ligger före dess början. Standardperioden visas."
MAX_PERIOD_DAGAR = 366 * 5
PERIODER = ("30", "90", "365")


def standardperiod(idag: date) -> tuple[date, date]:
    """The last 12 calendar months, this one included: from the 1st of the month 11 months ago up to today."""
    ar, manad = divmod(idag.year * 12 + idag.month - 1 - 11, 12)
    return date(ar, manad + 1, 1), idag


@dataclass
class Urval:
    fran: date
    till: date
    region: str | None  # two-digit code; None = the whole country (administrators only)
    som: str = "remitterande"
    kva: str = ""
    vardomrade: str = ""
    vardgivare: int | None = None
    utfall: str = ""
    fel: list[str] = field(default_factory=list)
    # Suppression of small counts (<5): on for everything, or only for per-region cells.
    undertryck_alla: bool = False
    undertryck_regioner: bool = False
    region_last: bool = False  # the region is fixed by the commission (coordinators)

    @property
    def som_text(self) -> str:
        return SOM.get(self.som, "")

    def params(self) -> dict:
        p: dict[str, Any] = {"fran": self.fran.isoformat(), "till": self.till.isoformat(), "som": self.som}
        if self.region and not self.region_last:
            p["region"] = self.region
        for k in ("kva", "vardomrade", "utfall"):
            if getattr(self, k):
                p[k] = getattr(self, k)
        if self.vardgivare:
            p["vardgivare"] = self.vardgivare
        return p

    def arenden(self) -> QuerySet[Arende]:
        """The cases in the selection: registered in the period (Swedish dates), by region, group, provider, outcome."""
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.combine(self.fran, time.min), tz)
        slut = timezone.make_aware(datetime.combine(self.till + timedelta(days=1), time.min), tz)
        qs = Arende.objects.filter(skapad__gte=start, skapad__lt=slut)
        if self.region:
            if self.som == "mottagande":
                qs = qs.filter(mottagande_enhet__region_id=self.region)
            else:
                qs = qs.filter(region_id=self.region)
        if self.kva:
            qs = qs.filter(kva_id=self.kva)
        if self.vardomrade:
            qs = qs.filter(kva__vardomrade=self.vardomrade)
        if self.vardgivare:
            qs = qs.filter(mottagande_enhet__vardgivare_id=self.vardgivare)
        if self.utfall == "pagaende":
            qs = qs.filter(status__in=OPPNA)
        elif self.utfall == "utford":
            qs = qs.filter(utfort_datum__isnull=False)
        elif self.utfall == "avslutad":
            qs = qs.filter(status=Status.AVSLUTAD)
        elif self.utfall == "avslutad_tidigt":
            qs = qs.filter(status=Status.AVSLUTAD_TIDIGT)
        return qs


def _datum(text: str, falt: str, fel: list[str]) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        datum = date.fromisoformat(text)
    except ValueError:
        fel.append(DATUM_FEL.format(falt=falt))
        return None
    if not FORSTA_DATUM <= datum <= SISTA_DATUM:
        # date.max + 1 day would overflow when the period end is turned into a time range.
        fel.append(DATUM_UTANFOR_FEL.format(falt=falt, forsta=FORSTA_DATUM, sista=SISTA_DATUM))
        return None
    return datum


def urval_fran_request(params, uppdrag, *, idag: date | None = None) -> Urval:
    """Reads the filters from the query string. Unknown values fall back to the default with a message, never 500.

    Coordinators are fixed to their own region (as referring region, or as receiving region with `som=mottagande`);
    administrators see the whole country or pick a region. Suppression: coordinators looking at cases received by
    their region see other regions' patients (everything suppressed); administrators get per-region cells
    suppressed, and everything when they narrow the page to one region.
    """
    idag = idag or timezone.localdate()
    fel: list[str] = []
    std_fran, std_till = standardperiod(idag)
    till = _datum(params.get("till"), "Till", fel) or std_till
    fran = _datum(params.get("fran"), "Från", fel)
    if fran is None and params.get("period") in PERIODER:
        # The lägesbild's shortcut (?period=30|90|365): the last N days up to `till`.
        fran = till - timedelta(days=int(params["period"]) - 1)
    fran = fran or std_fran
    if till < fran:
        fel.append(PERIOD_FEL)
        fran, till = std_fran, std_till
    if (till - fran).days > MAX_PERIOD_DAGAR:
        fran = till - timedelta(days=MAX_PERIOD_DAGAR)
    som = params.get("som") if params.get("som") in SOM else "remitterande"
    utfall = params.get("utfall") if params.get("utfall") in UTFALL else ""
    kva = (params.get("kva") or "").strip().upper()[:3]
    vardomrade = (params.get("vardomrade") or "").strip()[:100]
    vardgivare = heltal(params.get("vardgivare"))
    urval = Urval(
        fran=fran, till=till, region=None, som=som, kva=kva, vardomrade=vardomrade, vardgivare=vardgivare, utfall=utfall
    )
    urval.fel = fel
    if uppdrag is not None and uppdrag.roll == Roll.KOORDINATOR:
        urval.region = uppdrag.region_id
        urval.region_last = True
        urval.undertryck_alla = som == "mottagande"
    else:
        region = (params.get("region") or "").strip()
        urval.region = region if len(region) == 2 and heltal(region) is not None else None
        urval.undertryck_regioner = True
        urval.undertryck_alla = urval.region is not None
    return urval
