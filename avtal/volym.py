"""Volume used outside the portal: who may report it, the reporting form and file, and the split per region/source.

The owning region's coordinator or a receiving unit the agreement covers reports, per agreement line, a number of
patients per month and region with a comment (`RapporteradVolym`). The file (CSV `;` UTF-8 or XLSX, README "Avtal")
goes through the importer framework: every line checked first, a preview, nothing written until confirmed."""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import cast

from django import forms
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from avtal.models import AKTIVA_STATUSAR, Avtal, Avtalsrad, RapporteradVolym, Volymreservation
from avtal.services import volym_rapportera
from vardformedling import format as fmt
from vardformedling.charts import Serie, stapeldiagram
from vardformedling.importering.fel import Importfel
from vardformedling.importering.forhandsvisning import Forhandsvisning, andringar
from vardformedling.importering.kolumner import Granskning
from vardformedling.importering.lasning import las
from vardformedling.models import Region, Roll

MANAD = re.compile(r"^(\d{4})-(\d{2})$")
MAX_ANTAL = 100_000
MANADER_BAKAT = 24  # a report may cover the last two years, never a future month
FEL_MANAD = "”{varde}” är ingen månad (ÅÅÅÅ-MM) inom de senaste två åren."
FEL_RAD_SAKNAS = "avtal {avtal} ({agare}) har ingen rad för KVÅ-grupp {kva}."
FEL_INTE_BEHORIG = (
    "du får inte rapportera volym på avtal {avtal} ({agare}): bara avtalsägarens koordinator eller en mottagande "
    "enhet som avtalet gäller."
)
FEL_DUBBEL = "samma avtalsrad, region och månad finns redan på rad {rad}."
FEL_REGION = "”{varde}” är ingen regionkod (två siffror, t.ex. 20)."
FRAN_PORTAL = "Portalen"
RAPPORTERAT = "Rapporterat utanför portalen"

FILKOLUMNER = ["avtal_id", "avtalsagare_region_kod", "kva_grupp", "region_kod", "manad", "antal", "kommentar"]
KRAVDA = FILKOLUMNER[:6]


def far_rapportera(uppdrag, avtal: Avtal) -> bool:
    """The owning region's coordinator, or a receiving unit the agreement covers (`Avtal.objects.omfattar`)."""
    if uppdrag is None:
        return False
    if uppdrag.roll == Roll.KOORDINATOR:
        return bool(uppdrag.region_id) and uppdrag.region_id == avtal.avtalsagare_id
    if uppdrag.roll == Roll.MOTTAGARE and uppdrag.vardenhet_id:
        return Avtal.objects.omfattar(uppdrag.vardenhet).filter(pk=avtal.pk).exists()
    return False


def manad_fran_text(text: str, idag: date | None = None) -> date | None:
    """ "2026-11" → 2026-11-01 when within the last MANADER_BAKAT months and not in the future; else None."""
    m = MANAD.match((text or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    manad = date(int(m.group(1)), int(m.group(2)), 1)
    idag = idag or timezone.localdate()
    index = idag.year * 12 + idag.month - (manad.year * 12 + manad.month)
    return manad if 0 <= index < MANADER_BAKAT else None


class RapportForm(forms.Form):
    """One month's figure for one line of the agreement and one region."""

    rad = forms.ModelChoiceField(queryset=Avtalsrad.objects.none(), label="Vårdtjänst (avtalsrad)")
    region = forms.ModelChoiceField(queryset=Region.objects.all(), label="Patienternas region")
    manad = forms.CharField(label="Månad (ÅÅÅÅ-MM)", max_length=7)
    antal = forms.IntegerField(label="Antal patienter", min_value=0, max_value=MAX_ANTAL)
    kommentar = forms.CharField(label="Kommentar", max_length=500, required=False)

    def __init__(self, *args, avtal: Avtal, **kwargs):
        super().__init__(*args, **kwargs)
        rad = cast(forms.ModelChoiceField, self.fields["rad"])
        rad.queryset = avtal.rader.select_related("kva")
        region = cast(forms.ModelChoiceField, self.fields["region"])
        # Django's per-field override of the option text; the stubs declare it a method, which mypy won't let us assign.
        rad.label_from_instance = lambda obj: f"{obj.kva_id} {obj.kva.benamning}"  # type: ignore[method-assign]
        region.label_from_instance = lambda obj: f"{obj.kod} {obj.namn}"  # type: ignore[method-assign]
        self.fields["manad"].widget.attrs["placeholder"] = "ÅÅÅÅ-MM"

    def clean_manad(self):
        manad = manad_fran_text(self.cleaned_data["manad"])
        if manad is None:
            raise forms.ValidationError(FEL_MANAD.format(varde=self.cleaned_data["manad"]))
        return manad


# --- The split per region and source, over months ------------------------------------------------------------


@dataclass
class Radfordelning:
    """One line's volume per month and region: portal cases (reserved + consumed) and reported."""

    rad: Avtalsrad
    manader: list[date] = field(default_factory=list)
    per_manad: dict[date, dict[str, dict[str, int]]] = field(default_factory=dict)  # month → region → source → n
    per_region: dict[str, dict[str, int]] = field(default_factory=dict)
    svg: str = ""

    @property
    def tabellrader(self) -> list[dict]:
        ut = []
        for m in self.manader:
            for region, n in sorted(self.per_manad.get(m, {}).items()):
                ut.append({"manad": m, "region": region, "portal": n["portal"], "rapporterat": n["rapporterat"],
                           "totalt": n["portal"] + n["rapporterat"]})  # fmt: skip
        return ut

    @property
    def regionrader(self) -> list[dict]:
        return [
            {
                "region": r,
                "portal": n["portal"],
                "rapporterat": n["rapporterat"],
                "totalt": n["portal"] + n["rapporterat"],
            }
            for r, n in sorted(self.per_region.items())
        ]


def fordelning(rader: list[Avtalsrad]) -> list[Radfordelning]:
    """Per line with any volume: the split per region and source by month (two queries for all lines) and a chart
    of portal vs reported per month (the table beside it holds every figure)."""
    ids = [r.pk for r in rader]
    portal = (
        Volymreservation.objects.filter(rad_id__in=ids, status__in=AKTIVA_STATUSAR)
        .annotate(m=TruncMonth("skapad"))
        .values_list("rad_id", "m", "region_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    rapporterat = (
        RapporteradVolym.objects.filter(rad_id__in=ids)
        .values_list("rad_id", "manad", "region_id")
        .annotate(n=Sum("antal"))
        .order_by()
    )
    per_rad = {r.pk: Radfordelning(rad=r) for r in rader}
    for kalla, rows in (("portal", portal), ("rapporterat", rapporterat)):
        for rad_id, manad, region, n in rows:
            manad = manad.date() if hasattr(manad, "date") else manad
            f = per_rad[rad_id]
            cell = f.per_manad.setdefault(manad, {}).setdefault(region, {"portal": 0, "rapporterat": 0})
            cell[kalla] += n
            f.per_region.setdefault(region, {"portal": 0, "rapporterat": 0})[kalla] += n
    ut = []
    for f in per_rad.values():
        if not f.per_manad:
            continue
        f.manader = sorted(f.per_manad)
        etiketter = [fmt.datum(m)[:7] for m in f.manader]
        summa: dict[str, list[float | None]] = {
            k: [sum(c[k] for c in f.per_manad[m].values()) for m in f.manader] for k in ("portal", "rapporterat")
        }
        f.svg = stapeldiagram(
            titel=f"Volym per månad, {f.rad.kva_id}",
            beskrivning="Patienter per månad från portalens ärenden och rapporterade utanför portalen; "
            "tabellen bredvid har siffrorna per region.",
            etiketter=etiketter,
            serier=[Serie(FRAN_PORTAL, summa["portal"]), Serie(RAPPORTERAT, summa["rapporterat"])],
            y_etikett="Patienter",
            id_prefix=f"volym-{f.rad.pk}",
        )
        ut.append(f)
    return ut


# --- The file ---------------------------------------------------------------------------------------------------


@dataclass
class Rapportrad:
    rad_nr: int
    rad: Avtalsrad
    region_kod: str
    manad: date
    antal: int
    kommentar: str


@dataclass
class Plan:
    rader: list[Rapportrad]
    forhandsvisning: Forhandsvisning


class VolymImportor:
    """The importer framework's `Importor` for reported volume, checked for the commission `uppdrag`."""

    def __init__(self, uppdrag, *, fil: str = "", anvandare=None):
        self.uppdrag = uppdrag
        self.fil = fil
        self.anvandare = anvandare

    def analysera(self, data: bytes, typ: str, *, progress=None) -> list[Rapportrad]:
        tabell = las(data, typ, kravda=KRAVDA, valfria=FILKOLUMNER[6:])
        g = Granskning(self.fil)
        nycklar = {(p["avtal_id"], Region.normalise_kod(p["avtalsagare_region_kod"]), p["kva_grupp"].upper())
                   for p in tabell.poster}  # fmt: skip
        q = Q(pk__in=[])
        for avtal_id, agare, kva in nycklar:
            q |= Q(avtal__avtal_id=avtal_id, avtal__avtalsagare_id=agare, kva_id=kva)
        linjer = {(r.avtal.avtal_id, r.avtal.avtalsagare_id, r.kva_id): r
                  for r in Avtalsrad.objects.filter(q).select_related("avtal")}  # fmt: skip
        behorig: dict[int, bool] = {}
        regioner = set(Region.objects.values_list("kod", flat=True))
        sedda: dict[tuple, int] = {}
        ut: list[Rapportrad] = []
        for post in tabell.poster:
            r = g.rad(post)
            avtal_id = r.text("avtal_id", kravd=True, max_langd=64)
            agare = Region.normalise_kod(r.text("avtalsagare_region_kod", kravd=True))
            kva = r.text("kva_grupp", kravd=True).upper()
            region = Region.normalise_kod(r.text("region_kod", kravd=True))
            if region and region not in regioner:
                r.fel("region_kod", FEL_REGION)
            manad_text = r.text("manad", kravd=True)
            manad = manad_fran_text(manad_text)
            if manad_text and manad is None:
                r.fel("manad", FEL_MANAD)
            antal = r.heltal("antal", minst=0, hogst=MAX_ANTAL, kravd=True)
            kommentar = r.text("kommentar", max_langd=500, fritext=True)
            linje = linjer.get((avtal_id, agare, kva))
            if avtal_id and agare and kva and linje is None:
                r.fel("kva_grupp", FEL_RAD_SAKNAS, avtal=avtal_id, agare=agare, kva=kva)
            elif linje is not None:
                if linje.avtal_id not in behorig:
                    behorig[linje.avtal_id] = far_rapportera(self.uppdrag, linje.avtal)
                if not behorig[linje.avtal_id]:
                    r.fel("avtal_id", FEL_INTE_BEHORIG, avtal=avtal_id, agare=agare)
            if r.ok and linje is not None and manad is not None and antal is not None:
                nyckel = (linje.pk, region, manad)
                if nyckel in sedda:
                    g.lagg_till(post.rad, "manad", FEL_DUBBEL.format(rad=sedda[nyckel]))
                    continue
                sedda[nyckel] = post.rad
                ut.append(Rapportrad(post.rad, linje, region, manad, antal, kommentar))
        g.resultat()
        return ut

    def planera(self, rader: list[Rapportrad]) -> Plan:
        befintliga = {
            (v.rad_id, v.region_id, v.manad): v
            for v in RapporteradVolym.objects.filter(rad_id__in={r.rad.pk for r in rader})
        }
        f = Forhandsvisning()
        for r in rader:
            rubrik = {"avtal": f"{r.rad.avtal.avtal_id} ({r.rad.avtal.avtalsagare_id})", "kva": r.rad.kva_id,
                      "region": r.region_kod, "manad": r.manad.isoformat()[:7], "antal": r.antal}  # fmt: skip
            fore = befintliga.get((r.rad.pk, r.region_kod, r.manad))
            if fore is None:
                f.nya.append(rubrik)
            elif fore.antal != r.antal or fore.kommentar != r.kommentar:
                efter = {"antal": r.antal, "kommentar": r.kommentar}
                fran = {"antal": fore.antal, "kommentar": fore.kommentar}
                f.andrade.append(
                    {**rubrik, "andringar": andringar(fran, efter, {"antal": "Antal", "kommentar": "Kommentar"})}
                )
            else:
                f.oforandrade.append(rubrik)
        return Plan(rader, f)

    def tillampa(self, plan: Plan, *, progress=None) -> dict:
        regioner = {r.kod: r for r in Region.objects.all()}
        uppdrag = str(getattr(self.uppdrag, "namn", "") or getattr(self.uppdrag, "get_roll_display", lambda: "")())
        for r in plan.rader:
            volym_rapportera(rad=r.rad, region=regioner[r.region_kod], manad=r.manad, antal=r.antal,
                             kommentar=r.kommentar, anvandare=self.anvandare, uppdrag=uppdrag, via="fil")  # fmt: skip
        return {"nya": len(plan.forhandsvisning.nya), "andrade": len(plan.forhandsvisning.andrade)}


def fel_texter(fel: list[Importfel]) -> list[str]:
    return [f.text() for f in fel]
