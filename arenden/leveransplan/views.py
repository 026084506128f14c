"""Delivery plans (/leveransplaner/): the planner records plans (form or file) and follows plan against outcome per
week as a chart with a table beside it, exported as CSV/XLSX; a receiving unit sees its expected inflow per week."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from arenden.leveransplan.utfall import EXPORTKOLUMNER, avvikelsegrans, inflode, jamforelse
from avtal.leveransplan import (
    FILKOLUMNER,
    NATIONELL,
    PlanForm,
    PlanImportor,
    far_planera,
    mandag,
    planer_for,
    planerande_region,
    vecka_fran_text,
)
from avtal.services import leveransplan_spara
from katalog.models import KvaGrupp
from vardformedling import format as fmt
from vardformedling.anrop import BehorigRequest
from vardformedling.charts import Serie, stapeldiagram
from vardformedling.decorators import require_perm
from vardformedling.export import tabell_export
from vardformedling.htmx import render_page_or_fragment
from vardformedling.importering import forhandsvisning
from vardformedling.indata import citera, utan_styrtecken
from vardformedling.models import Roll

VECKOR_FORE, VECKOR_EFTER, MAX_VECKOR = 4, 8, 53
SERIER_PER_SIDA = 10
FEL_PERIOD = "Veckan ”{varde}” förstods inte (ÅÅÅÅ-Vnn inom ett år bakåt och två år framåt); visar standardperioden."
FEL_PERIOD_LANG = f"Högst {MAX_VECKOR} veckor åt gången; visar standardperioden."
FIL_BORTA = "Den kontrollerade filen finns inte längre (den sparas en timme). Ladda upp den igen."
TOKEN_TID = 3600


def _period(params) -> tuple:
    """The weeks shown: `fran`/`till` (ÅÅÅÅ-Vnn), default four weeks back to eight ahead; a bad value gives the
    default and a message."""
    denna = mandag(timezone.localdate())
    fran, till = denna - timedelta(weeks=VECKOR_FORE), denna + timedelta(weeks=VECKOR_EFTER)
    fel = ""
    valda = {}
    for namn in ("fran", "till"):
        text = params.get(namn, "")
        if text:
            vecka = vecka_fran_text(text)
            if vecka is None:
                fel = FEL_PERIOD.format(varde=citera(utan_styrtecken(text), 20))
            valda[namn] = vecka
    if not fel:
        fran, till = valda.get("fran") or fran, valda.get("till") or till
        if till < fran or (till - fran).days // 7 + 1 > MAX_VECKOR:
            fel = FEL_PERIOD_LANG
            fran, till = denna - timedelta(weeks=VECKOR_FORE), denna + timedelta(weeks=VECKOR_EFTER)
    return fran, till, fel


def _context(request: BehorigRequest, *, form: PlanForm | None = None) -> dict:
    uppdrag = request.uppdrag
    fran, till, period_fel = _period(request.GET)
    planer = planer_for(uppdrag)
    kva = request.GET.get("kva", "")
    if kva:
        planer = planer.filter(kva_id=kva[:20])
    context = {
        "fran": fran,
        "till": till,
        "period_fel": period_fel,
        "valt_kva": kva,
        "kva_grupper": KvaGrupp.objects.filter(leveransplaner__isnull=False).distinct().order_by("kod"),
        "grans": fmt.procent(avvikelsegrans() * 100),
        "kolumner": FILKOLUMNER,
    }
    if uppdrag.roll == Roll.MOTTAGARE:
        rader, per_vecka = inflode(planer, fran=fran, till=till)
        context["inflode"], context["inflode_per_vecka"] = rader, per_vecka
        if per_vecka:
            context["inflode_svg"] = stapeldiagram(
                titel="Förväntat inflöde per vecka",
                beskrivning="Förväntat antal patienter till enheten per vecka, alla KVÅ-grupper och regioner; "
                "tabellen bredvid har varje planerad siffra.",
                etiketter=[fmt.vecka(v) for v in per_vecka],
                serier=[Serie("Förväntat", list(per_vecka.values()))],
                y_etikett="Patienter",
                id_prefix="inflode",
            )
    else:
        context["alla_serier"] = jamforelse(planer, fran=fran, till=till)
        sida = Paginator(context["alla_serier"], SERIER_PER_SIDA).get_page(request.GET.get("sida"))
        context["sida"], context["serier"] = sida, list(sida.object_list)
    if far_planera(uppdrag):
        context["form"] = form or PlanForm()
        region = planerande_region(uppdrag)
        context["planerare"] = uppdrag.region.namn if region and uppdrag.region else NATIONELL
    return context


@require_safe
@require_perm("avtal.leveransplan")
def leveransplaner(request: BehorigRequest) -> HttpResponse:
    context = _context(request)
    if request.GET.get("format") in {"csv", "xlsx"} and "alla_serier" in context:
        rader = [rad for s in context["alla_serier"] for rad in s.exportrader()]  # every series, not one page
        return tabell_export("leveransplan", EXPORTKOLUMNER, rader, format=request.GET["format"])
    return render_page_or_fragment(request, "arenden/leveransplaner.html", context, fragment="innehall")


@require_POST
@require_perm("avtal.leveransplan")
def leveransplan_ny(request: BehorigRequest) -> HttpResponse:
    if not far_planera(request.uppdrag):
        raise PermissionDenied
    form = PlanForm(request.POST)
    if not form.is_valid():
        return render_page_or_fragment(
            request, "arenden/leveransplaner.html", _context(request, form=form), fragment="innehall", status=422
        )
    d = form.cleaned_data
    veckor = form.veckor
    nya = leveransplan_spara(
        planerad_av_id=planerande_region(request.uppdrag),
        vardgivare=d["vardgivare"],
        vardenhet=d["vardenhet"],
        kva_id=d["kva"].pk,
        veckor=veckor,
        sandande_region_id=d["sandande_region"].pk if d["sandande_region"] else None,
        antal=d["antal"],
        anvandare=request.user,
    )
    kvitto = (
        f"Leveransplanen är sparad: {fmt.antal(d['antal'])} patienter per vecka, {fmt.vecka(veckor[0])}"
        f"{'–' + fmt.vecka(veckor[-1]) if len(veckor) > 1 else ''} ({fmt.antal_ord(nya, 'ny vecka', 'nya veckor')}, "
        f"{fmt.antal(len(veckor) - nya)} ändrade), {d['kva'].pk} hos {d['vardgivare'].namn}."
    )
    if not request.htmx:
        messages.success(request, kvitto)
        return redirect("leveransplan:lista")
    context = _context(request)
    context["kvitto"] = kvitto
    return render_page_or_fragment(request, "arenden/leveransplaner.html", context, fragment="innehall")


def _token_nyckel(request, token: str) -> str:
    """A previewed file is the user's; forhandsvisning.bekrafta refuses it under another commission than the
    preview's, so a file is never written for another planner than the preview showed."""
    return f"leveransplan:fil:{request.user.pk}:{token}"


@require_http_methods(["GET", "POST"])
@require_perm("avtal.leveransplan")
def uppladdning(request: BehorigRequest) -> HttpResponse:
    if not far_planera(request.uppdrag):
        raise PermissionDenied
    fel: list[str] = []
    plan = None
    token = ""
    if request.method == "POST":
        fel, plan, token = forhandsvisning.ta_emot(
            request,
            importor=lambda namn: PlanImportor(request.uppdrag, fil=namn, anvandare=request.user),
            nyckel=lambda t: _token_nyckel(request, t),
            tid=TOKEN_TID,
        )
    context = {"fel": fel, "plan": plan, "token": token, "kolumner": FILKOLUMNER}
    return render(request, "arenden/leveransplan_uppladdning.html", context, status=422 if fel else 200)


@require_POST
@require_perm("avtal.leveransplan")
def uppladdning_bekrafta(request: BehorigRequest) -> HttpResponse:
    if not far_planera(request.uppdrag):
        raise PermissionDenied
    fel, antal = forhandsvisning.bekrafta(
        request,
        importor=lambda namn: PlanImportor(request.uppdrag, fil=namn, anvandare=request.user),
        nyckel=lambda t: _token_nyckel(request, t),
        borta=FIL_BORTA,
    )
    if antal is None:  # the file is gone, or the catalogue changed since the preview
        mall = "arenden/leveransplan_uppladdning.html"
        return render(request, mall, {"fel": fel, "kolumner": FILKOLUMNER}, status=422)
    messages.success(
        request,
        f"Leveransplanen är inläst: {fmt.antal(antal['nya'])} nya och {fmt.antal(antal['andrade'])} ändrade veckor.",
    )
    return redirect("leveransplan:lista")
