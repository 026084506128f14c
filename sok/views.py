"""Hitta vårdgivare (search) and the care-unit page: thin views over sok.search and the apps' api.py."""

from datetime import date

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from arenden import api as arenden_api
from avtal import api as avtal_api
from katalog import api as katalog_api
from katalog.api import KvaGrupp
from lagesbild import api as lagesbild_api
from sok.forms import SokForm
from sok.search import DEFAULT_VIKTER, Referens, Sokparametrar, hydrera, sok
from sok.sok_html import escape, traff_html
from vardformedling import referensdata
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment
from vardformedling.models import Region
from vardformedling.nycklar import enhetsnycklar
from vardformedling.nycklar.fel import EnhetsnyckelSaknas

PER_SIDA = 20


def _sokdata(request: HttpRequest):
    """The query string with defaults filled in: weights, the commission's region as patient region, today."""
    data = request.GET.copy()
    for key, vikt in DEFAULT_VIKTER.items():
        if not data.get(f"v_{key}"):
            data[f"v_{key}"] = str(vikt)
    uppdrag = getattr(request, "uppdrag", None)
    if "patientregion" not in data and uppdrag and uppdrag.region_id:
        data["patientregion"] = uppdrag.region_id
    if "q" not in data and (kva := data.get("kva")):  # a link naming only the group (from a case, the lägesbild)
        data["q"] = kva
    if not data.get("datum"):
        data["datum"] = timezone.localdate().isoformat()
    return data


def _valj_kva(q: str, kod: str, grupper: list[KvaGrupp]) -> tuple[KvaGrupp | None, list[KvaGrupp]]:
    """The KVÅ group to search, or the alternatives to choose between when the text matches several. The group
    chosen before (`kva`: a link from a case, or the choice the form keeps in its hidden field) wins while the text
    agrees with it, so changing another filter keeps it; an emptied text field searches nothing."""
    if not q:
        return None, []
    by_kod = {k.kod: k for k in grupper}
    grupp, kandidater = katalog_api.hitta_kva(q, grupper)
    if kod in by_kod and (by_kod[kod] == grupp or by_kod[kod] in kandidater):
        return by_kod[kod], []
    if grupp:
        return grupp, []
    return None, kandidater


def _vardgaranti(
    request: BehorigRequest, arende: str, patientregion: Region | None, datum
) -> tuple[date | None, str, str | None]:
    """The patient's guarantee date, where it comes from and the case's priority: the case's (when the search is for
    a case the user may see), else the planned date + the patient region's guarantee days; (None, "", None) when
    neither is known."""
    if arende:
        fran_arende = arenden_api.sokuppgifter_for_arende(case_id=arende, user=request.user, uppdrag=request.uppdrag)
        if fran_arende:
            return fran_arende[0], f"ärende {arende}", fran_arende[1]
    if patientregion:
        dagar = patientregion.vardgaranti_dagar
        try:
            garanti = patientregion.vardgaranti_datum(datum)
        except OverflowError:  # a planned date near year 9999
            garanti = date.max
        return garanti, f"{patientregion.namn}: {dagar} dagar från planerat datum", None
    return None, "", None


def _referens(fran: str, patientregion: Region | None) -> tuple[Referens | None, str]:
    """Where distances are measured from: the referring unit, else the patient region's county seat."""
    varning = ""
    if fran:
        enhet = katalog_api.vardenhet_position(fran)
        if enhet and enhet.lat is not None and enhet.lon is not None:
            return Referens(enhet.lat, enhet.lon, enhet.namn), ""
        varning = f"Enheten {fran} är okänd eller saknar position."
    if patientregion:
        return Referens(patientregion.lat, patientregion.lon, f"{patientregion.residensstad} (residensstad)"), varning
    return None, varning


@require_GET
@require_perm("katalog.sok")
def sok_view(request: BehorigRequest) -> HttpResponse:
    regions = referensdata.regioner()
    grupper = katalog_api.kva_grupper()
    form = SokForm(_sokdata(request), regions=regions, kva_grupper=grupper)
    form.is_valid()  # invalid fields are shown with their message and left out of the search
    cd = form.cleaned_data
    kva, alternativ = _valj_kva(cd.get("q") or "", cd.get("kva") or "", grupper)
    region_by_kod = {r.kod: r for r in regions}
    patientregion = region_by_kod.get(cd.get("patientregion") or "")
    referens, referens_varning = _referens(cd.get("fran") or "", patientregion)
    resultat = sida = None
    annonser: list = []
    traffar_html: list = []
    kallvarningar: list[str] = []
    datum = cd.get("datum") or timezone.localdate()
    vardgaranti, vardgaranti_kalla, prioritet = (None, "", None)
    if kva:
        vardgaranti, vardgaranti_kalla, prioritet = _vardgaranti(request, cd.get("arende") or "", patientregion, datum)
        params = Sokparametrar(
            kva=kva,
            region=cd.get("region") or None,
            sjukvardsregion=cd.get("sjukvardsregion") or None,
            agarform=cd.get("agarform") or None,
            max_avstand=cd.get("max_avstand"),
            asa=cd.get("asa"),
            narkos=bool(cd.get("narkos")),
            med_avtal=bool(cd.get("med_avtal")),
            max_vantetid=cd.get("max_vantetid"),
            patientregion=patientregion.kod if patientregion else None,
            referens=referens,
            datum=datum,
            vardgaranti=vardgaranti,
            prioritet=prioritet,
            vikter=form.vikter(),
        )
        resultat = sok(params)
        sida = Paginator(resultat.traffar, PER_SIDA).get_page(cd.get("sida") or 1)
        hydrera(sida.object_list, kva)
        traffar_html = [traff_html(t, arende=cd.get("arende") or "") for t in sida.object_list]
        # The waiting times shown come from the group's register (and any other a shown figure names).
        kallor = {*lagesbild_api.kallor_for_kva(kva.register), *(t.vantetid.kalla for t in sida if t.vantetid)}
        kallvarningar = lagesbild_api.inaktuella_kallor(sorted(kallor))
        annonser = katalog_api.kapacitet_erbjudanden(kva_kod=kva.kod, antal=5)
    context = {
        "form": form,
        "kva": kva,
        "alternativ": alternativ,
        "resultat": resultat,
        "sida": sida,
        "traffar_html": traffar_html,
        "forsta_plats": (sida.start_index() if sida else 1),
        "annonser": annonser,
        "referens": referens,
        "referens_varning": referens_varning,
        "kallvarningar": kallvarningar,
        "patientregion": patientregion,
        "vardgaranti": vardgaranti,
        "vardgaranti_kalla": vardgaranti_kalla,
        "arende": cd.get("arende") or "",
        "vikter": form.vikter(),
        # The datalist (~100 options) in Python: a template loop cost several ms on every search.
        "kva_datalist": mark_safe(  # noqa: S308 – every value is escaped
            "".join(f'<option value="{escape(k.kod)}">{escape(k.kod)} {escape(k.benamning)}</option>' for k in grupper)
        ),
    }
    # The hidden `kva` field follows the answer (out of band), so the next filter change keeps the chosen group.
    return render_page_or_fragment(request, "sok/sok.html", context, fragment="resultat", oob=["kva_falt"])


@require_GET
@require_perm("katalog.sok")
def enhet_view(request: BehorigRequest, hsa_id: str) -> HttpResponse:
    enhet = katalog_api.vardenhet(hsa_id)
    if enhet is None:
        raise Http404("Vårdenheten finns inte.")
    utbud = katalog_api.utbud_for_enhet(enhet)
    avtal = avtal_api.avtal_for_enhet(enhet)
    # The latest waiting time of every offered KVÅ group in one go (two queries however many groups).
    per_par = lagesbild_api.vantetider_for_par(par={(vu.kva_id, enhet.pk) for vu in utbud})
    vantetider = [(vu, per_par.get((vu.kva_id, enhet.pk))) for vu in utbud]
    # Warn about the registers the shown waiting times come from (none when the unit offers no register group).
    kallor = {v.kalla for _, v in vantetider if v} | {vu.kva.register for vu in utbud if vu.kva.register}
    kallvarningar = lagesbild_api.inaktuella_kallor(sorted(kallor & set(lagesbild_api.REGISTER)))
    annonser = katalog_api.kapacitet_for_enhet(enhet, antal=10)
    try:  # the unit's public keys are catalogue data: their fingerprints let two units compare them out of band
        nycklar = enhetsnycklar.publik(enhet.hsa_id)
    except EnhetsnyckelSaknas:
        nycklar = None
    return render(
        request,
        "sok/enhet.html",
        {
            "enhet": enhet,
            "utbud": utbud,
            "avtal": avtal,
            "vantetider": vantetider,
            "kallvarningar": kallvarningar,
            "annonser": annonser,
            "nycklar": nycklar,
            "idag": timezone.localdate(),
        },
    )
