"""Delivery plans (leveransplaner, issue #19 point 3): who may plan, the week rule, the form and the file.

A region's coordinator plans for their region; an administrator plans as the national coordination (planner empty).
A plan gives, per provider or unit, KVÅ group and ISO week, the planned number of patients, optionally only from one
sending region. The file (CSV `;` UTF-8 or XLSX, README "Leveransplaner") goes through the importer framework: every
line checked first ("rad N, kolumn X: …"), a preview, nothing written until confirmed. Plan against outcome (offers,
acceptances, performed care) is counted where the cases are: `arenden/leveransplan/`."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

from django import forms
from django.db.models import Q
from django.utils import timezone

from avtal.models import Leveransplan
from avtal.services import leveransplan_spara
from katalog.models import KvaGrupp, Vardenhet, Vardgivare
from vardformedling import format as fmt
from vardformedling.importering.forhandsvisning import Forhandsvisning, andringar
from vardformedling.importering.kolumner import Granskning
from vardformedling.importering.lasning import las
from vardformedling.indata import citera, utan_styrtecken
from vardformedling.models import Region, Roll

VECKA = re.compile(r"^(\d{4})-?[VW]?(\d{1,2})$", re.IGNORECASE)
VECKOR_BAKAT = 52  # a plan may be recorded for the past year (to compare) and two years ahead
VECKOR_FRAMAT = 104
MAX_ANTAL = 100_000
MAX_VECKOR_I_FORMULAR = 53
FEL_VECKA = "”{varde}” är ingen vecka (ÅÅÅÅ-Vnn, t.ex. 2026-V50) inom ett år bakåt och två år framåt."
FEL_VARDGIVARE = "”{varde}” är ingen vårdgivare i katalogen (HSA-id)."
FEL_VARDENHET = "”{varde}” är ingen vårdenhet hos vårdgivaren {vardgivare} (HSA-id)."
FEL_KVA = "”{varde}” är ingen KVÅ-grupp."
FEL_REGION = "”{varde}” är ingen regionkod (två siffror, t.ex. 20)."
FEL_DUBBEL = "samma vårdgivare, enhet, KVÅ-grupp, vecka och region finns redan på rad {rad}."
FEL_TILL_FORE_FRAN = "Sista veckan kan inte vara före den första."
FEL_FOR_MANGA_VECKOR = f"Högst {MAX_VECKOR_I_FORMULAR} veckor på en gång; ladda upp en fil för fler."
FEL_ENHET_FORMULAR = "Vårdenheten hör inte till den valda vårdgivaren."

FILKOLUMNER = ["vardgivare_hsaid", "vardenhet_hsaid", "kva_grupp", "vecka", "region_kod", "antal"]
KRAVDA = ["vardgivare_hsaid", "kva_grupp", "vecka", "antal"]
NATIONELL = "Nationell samordning"


def far_planera(uppdrag) -> bool:
    """A coordinator of a region plans for it; an administrator plans as the national coordination."""
    if uppdrag is None:
        return False
    return (uppdrag.roll == Roll.KOORDINATOR and bool(uppdrag.region_id)) or uppdrag.roll == Roll.ADMINISTRATOR


def planerande_region(uppdrag) -> str | None:
    """The region a planner records plans for; None = the national coordination."""
    return uppdrag.region_id if uppdrag.roll == Roll.KOORDINATOR else None


def planer_for(uppdrag):
    """The plans a commission sees: a coordinator their region's, an administrator all (the national coordination
    follows every region), a receiving unit the plans that name it or its whole provider."""
    qs = Leveransplan.objects.all()
    if uppdrag is None:
        return qs.none()
    if uppdrag.roll == Roll.ADMINISTRATOR:
        return qs
    if uppdrag.roll == Roll.KOORDINATOR and uppdrag.region_id:
        return qs.filter(planerad_av_id=uppdrag.region_id)
    if uppdrag.roll == Roll.MOTTAGARE and uppdrag.vardenhet_id:
        enhet = uppdrag.vardenhet
        return qs.filter(Q(vardenhet_id=enhet.pk) | Q(vardenhet__isnull=True, vardgivare_id=enhet.vardgivare_id))
    return qs.none()


def mandag(d: date) -> date:
    return d - timedelta(days=d.weekday())


def vecka_fran_text(text: str, idag: date | None = None) -> date | None:
    """ "2026-V50" (also "2026-W50", "2026V50", "2026-50") → that ISO week's Monday when within VECKOR_BAKAT weeks
    back and VECKOR_FRAMAT ahead; else None."""
    m = VECKA.match((text or "").strip())
    if not m:
        return None
    try:
        vecka = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        return None
    denna = mandag(idag or timezone.localdate())
    if not denna - timedelta(weeks=VECKOR_BAKAT) <= vecka <= denna + timedelta(weeks=VECKOR_FRAMAT):
        return None
    return vecka


class VeckoFalt(forms.CharField):
    """An ISO week typed as ÅÅÅÅ-Vnn; cleans to its Monday."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)
        self.widget.attrs["placeholder"] = "ÅÅÅÅ-Vnn"

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        vecka = vecka_fran_text(text)
        if vecka is None:
            raise forms.ValidationError(FEL_VECKA.format(varde=text))
        return vecka


class PlanForm(forms.Form):
    """One planned figure for a run of weeks (the same number each week)."""

    # HSA-ids, as in the file: a select of every provider would be thousands of options at national scale.
    vardgivare = forms.CharField(label="Vårdgivare (HSA-id)", max_length=64)
    vardenhet = forms.CharField(
        label="Vårdenhet (HSA-id)", max_length=64, required=False, help_text="Tomt = hela vårdgivaren"
    )
    kva = forms.ModelChoiceField(queryset=KvaGrupp.objects.none(), label="KVÅ-grupp")
    fran = VeckoFalt(label="Första vecka (ÅÅÅÅ-Vnn)")
    till = VeckoFalt(label="Sista vecka (ÅÅÅÅ-Vnn)", required=False, help_text="Tomt = bara den första veckan")
    sandande_region = forms.ModelChoiceField(
        queryset=Region.objects.all(), label="Sändande region", required=False, empty_label="Alla regioner"
    )
    antal = forms.IntegerField(label="Planerat antal patienter per vecka", min_value=0, max_value=MAX_ANTAL)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kva = cast(forms.ModelChoiceField, self.fields["kva"])
        kva.queryset = KvaGrupp.objects.order_by("kod")
        # Django's per-field override of the option text; the stubs declare it a method, which mypy won't let us assign.
        kva.label_from_instance = lambda obj: f"{obj.kod} {obj.benamning}"  # type: ignore[method-assign]
        region = cast(forms.ModelChoiceField, self.fields["sandande_region"])
        region.label_from_instance = lambda obj: f"{obj.kod} {obj.namn}"  # type: ignore[method-assign]

    def clean_vardgivare(self) -> Vardgivare:
        hsa = self.cleaned_data["vardgivare"].strip().upper()
        vardgivare = Vardgivare.objects.filter(hsa_id=hsa).first()
        if vardgivare is None:
            raise forms.ValidationError(FEL_VARDGIVARE.format(varde=citera(utan_styrtecken(hsa), 64)))
        return vardgivare

    def clean(self) -> dict:
        d = self.cleaned_data
        vardgivare, hsa = d.get("vardgivare"), (d.get("vardenhet") or "").strip().upper()
        d["vardenhet"] = None
        if vardgivare is not None and hsa:
            d["vardenhet"] = Vardenhet.objects.filter(hsa_id=hsa, vardgivare=vardgivare).first()
            if d["vardenhet"] is None:
                self.add_error("vardenhet", FEL_ENHET_FORMULAR)
        fran, till = d.get("fran"), d.get("till")
        if fran and till:
            if till < fran:
                self.add_error("till", FEL_TILL_FORE_FRAN)
            elif (till - fran).days // 7 + 1 > MAX_VECKOR_I_FORMULAR:
                self.add_error("till", FEL_FOR_MANGA_VECKOR)
        return d

    @property
    def veckor(self) -> list[date]:
        fran, till = self.cleaned_data["fran"], self.cleaned_data.get("till") or self.cleaned_data["fran"]
        return [fran + timedelta(weeks=i) for i in range((till - fran).days // 7 + 1)]


# --- The file ---------------------------------------------------------------------------------------------------


@dataclass
class Planrad:
    rad_nr: int
    vardgivare: Vardgivare
    vardenhet: Vardenhet | None
    kva_id: str
    vecka: date
    region_kod: str | None
    antal: int


@dataclass
class Plan:
    rader: list[Planrad]
    forhandsvisning: Forhandsvisning


class PlanImportor:
    """The importer framework's `Importor` for delivery plans, recorded for the planner of `uppdrag`."""

    def __init__(self, uppdrag, *, fil: str = "", anvandare=None):
        self.uppdrag = uppdrag
        self.planerad_av = planerande_region(uppdrag)
        self.fil = fil
        self.anvandare = anvandare

    def analysera(self, data: bytes, typ: str, *, progress=None) -> list[Planrad]:
        tabell = las(data, typ, kravda=KRAVDA, valfria=["vardenhet_hsaid", "region_kod"])
        g = Granskning(self.fil)
        vg_hsa = {p["vardgivare_hsaid"].strip().upper() for p in tabell.poster}
        ve_hsa = {p["vardenhet_hsaid"].strip().upper() for p in tabell.poster if p["vardenhet_hsaid"]}
        vardgivare = {v.hsa_id.upper(): v for v in Vardgivare.objects.filter(hsa_id__in=vg_hsa)}
        enheter = {e.hsa_id.upper(): e for e in Vardenhet.objects.filter(hsa_id__in=ve_hsa)}
        kvas = set(KvaGrupp.objects.values_list("kod", flat=True))
        regioner = set(Region.objects.values_list("kod", flat=True))
        sedda: dict[tuple, int] = {}
        ut: list[Planrad] = []
        for post in tabell.poster:
            r = g.rad(post)
            vg_text = r.text("vardgivare_hsaid", kravd=True, max_langd=64).strip().upper()
            vg = vardgivare.get(vg_text)
            if vg_text and vg is None:
                r.fel("vardgivare_hsaid", FEL_VARDGIVARE)
            ve_text = r.text("vardenhet_hsaid", max_langd=64).strip().upper()
            ve = enheter.get(ve_text) if ve_text else None
            if ve_text and vg is not None and (ve is None or ve.vardgivare_id != vg.pk):
                r.fel("vardenhet_hsaid", FEL_VARDENHET, vardgivare=vg.hsa_id)
            kva = r.text("kva_grupp", kravd=True).strip().upper()
            if kva and kva not in kvas:
                r.fel("kva_grupp", FEL_KVA)
            vecka_text = r.text("vecka", kravd=True)
            vecka = vecka_fran_text(vecka_text)
            if vecka_text and vecka is None:
                r.fel("vecka", FEL_VECKA)
            region = Region.normalise_kod(r.text("region_kod")) or None
            if region and region not in regioner:
                r.fel("region_kod", FEL_REGION)
            antal = r.heltal("antal", minst=0, hogst=MAX_ANTAL, kravd=True)
            if r.ok and vg is not None and vecka is not None and antal is not None:
                nyckel = (vg.pk, ve.pk if ve else None, kva, vecka, region)
                if nyckel in sedda:
                    g.lagg_till(post.rad, "vecka", FEL_DUBBEL.format(rad=sedda[nyckel]))
                    continue
                sedda[nyckel] = post.rad
                ut.append(Planrad(post.rad, vg, ve, kva, vecka, region, antal))
        g.resultat()
        return ut

    def planera(self, rader: list[Planrad]) -> Plan:
        befintliga = {
            (p.vardgivare_id, p.vardenhet_id, p.kva_id, p.vecka, p.sandande_region_id): p.antal
            for p in Leveransplan.objects.filter(
                planerad_av_id=self.planerad_av, vardgivare_id__in={r.vardgivare.pk for r in rader}
            )
        }
        f = Forhandsvisning()
        for r in rader:
            rubrik = {
                "vardgivare": r.vardgivare.namn,
                "vardenhet": r.vardenhet.namn if r.vardenhet else "",
                "kva": r.kva_id,
                "vecka": fmt.vecka(r.vecka),
                "region": r.region_kod or "",
                "antal": r.antal,
            }
            fore = befintliga.get(
                (r.vardgivare.pk, r.vardenhet.pk if r.vardenhet else None, r.kva_id, r.vecka, r.region_kod)
            )
            if fore is None:
                f.nya.append(rubrik)
            elif fore != r.antal:
                f.andrade.append(
                    {**rubrik, "andringar": andringar({"antal": fore}, {"antal": r.antal}, {"antal": "Antal"})}
                )
            else:
                f.oforandrade.append(rubrik)
        return Plan(rader, f)

    def tillampa(self, plan: Plan, *, progress=None) -> dict:
        for r in plan.rader:
            leveransplan_spara(
                planerad_av_id=self.planerad_av,
                vardgivare=r.vardgivare,
                vardenhet=r.vardenhet,
                kva_id=r.kva_id,
                veckor=[r.vecka],
                sandande_region_id=r.region_kod,
                antal=r.antal,
                anvandare=self.anvandare,
                via="fil",
            )
        return {"nya": len(plan.forhandsvisning.nya), "andrade": len(plan.forhandsvisning.andrade)}
