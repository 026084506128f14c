"""Capacity announcements: list (newest first, expired hidden), publish, withdraw."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from katalog.forms import KapacitetsannonsForm
from katalog.models import Kapacitetsannons, KvaGrupp
from katalog.services import kapacitetsannons_aterkalla, kapacitetsannons_skapa
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment
from vardformedling.models import Region

PER_SIDA = 20


@require_http_methods(["GET"])
@require_perm("katalog.kapacitet")
def lista_view(request: HttpRequest) -> HttpResponse:
    annonser = Kapacitetsannons.objects.aktiva().select_related("kva", "region", "vardenhet", "skapad_av")
    typ = request.GET.get("typ", "")
    kva = request.GET.get("kva", "").upper()
    region = request.GET.get("region", "")
    if typ in Kapacitetsannons.Typ.values:
        annonser = annonser.filter(typ=typ)
    if kva:
        annonser = annonser.filter(kva_id=kva)
    if region:
        annonser = annonser.filter(region_id=region)
    sida = Paginator(annonser, PER_SIDA).get_page(request.GET.get("sida"))
    context = {
        "sida": sida,
        "typ": typ,
        "kva": kva,
        "region": region,
        "typer": Kapacitetsannons.Typ.choices,
        "kva_grupper": KvaGrupp.objects.all(),
        "regioner": Region.objects.all(),
    }
    return render_page_or_fragment(request, "katalog/kapacitet.html", context, fragment="lista")


@require_http_methods(["GET", "POST"])
@require_perm("katalog.kapacitet")
def ny_view(request: BehorigRequest) -> HttpResponse:
    form = KapacitetsannonsForm(
        request.POST if request.method == "POST" else None,  # an empty POST is an error, not a blank form
        initial={"kva": request.GET.get("kva") or None, "typ": request.GET.get("typ") or None},
    )
    if request.method == "POST" and form.is_valid():
        annons = kapacitetsannons_skapa(user=request.user, uppdrag=request.uppdrag, data=form.cleaned_data)
        messages.success(request, f"Annonsen är publicerad och visas till och med {annons.giltig_till:%Y-%m-%d}.")
        return redirect("katalog:kapacitet")
    return render(request, "katalog/kapacitet_ny.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
@require_perm("katalog.kapacitet")
def aterkalla_view(request: HttpRequest, pk: int) -> HttpResponse:
    annons = get_object_or_404(Kapacitetsannons, pk=pk, skapad_av=request.user)
    try:
        kapacitetsannons_aterkalla(annons_id=annons.pk, user=request.user)
        messages.success(request, "Annonsen är återkallad och visas inte längre.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("katalog:kapacitet")
