"""Administrators upload a catalogue extract: check → preview (new, changed, unchanged, to be deactivated) → confirm.

Plain HTML forms (no HTMX): a rejected file or a missing confirmation answers 422 with the page and its messages,
so they show the same with JavaScript on or off."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from katalog.forms import KatalogImportForm
from katalog.models import KatalogImport
from katalog.uppladdning import katalogfil_avbryt, katalogfil_granska, katalogfil_tillampa
from vardformedling.decorators import require_perm
from vardformedling.importering import vakt
from vardformedling.importering.fel import FilAvvisad
from vardformedling.indata import heltal

UNPROCESSABLE = 422


def _get_import_for_user(request: HttpRequest, pk: int) -> KatalogImport:
    # Administrators manage every catalogue upload; an upload holds no patient data.
    return get_object_or_404(KatalogImport.objects.select_related("importerad_av").defer("innehall"), pk=pk)


def _sida(request: HttpRequest, form, **extra) -> dict:
    importer = KatalogImport.objects.select_related("importerad_av").defer("innehall", "forhandsvisning")[:15]
    return {"form": form, "importer": importer, "max_mb": settings.UPLOAD_MAX_BYTES // 2**20, **extra}


@require_http_methods(["GET", "POST"])
@require_perm("katalog.importera")
def import_view(request: HttpRequest) -> HttpResponse:
    # Bound on every POST: an empty POST (e.g. HTMX with the CSRF token in a header) is an error, not a blank form.
    form = KatalogImportForm(request.POST, request.FILES) if request.method == "POST" else KatalogImportForm()
    if request.method == "GET":
        return render(request, "katalog/import.html", _sida(request, form))
    imp = None
    if form.is_valid():
        fil = form.cleaned_data["fil"]
        try:
            vakt.kontrollera_storlek(fil.size)  # before reading anything into memory
        except FilAvvisad as exc:
            form.add_error("fil", exc.fel[0].meddelande)
        else:
            imp = katalogfil_granska(data=fil.read(), filnamn=fil.name, anvandare=request.user)
            if imp.status == KatalogImport.Status.GRANSKNING:
                return redirect("katalog:import_visa", pk=imp.pk)
    status = UNPROCESSABLE if form.errors or (imp and imp.status == KatalogImport.Status.AVVISAD) else 200
    return render(request, "katalog/import.html", _sida(request, form, imp=imp), status=status)


@require_safe
@require_perm("katalog.importera")
def import_visa(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _get_import_for_user(request, pk)
    return render(request, "katalog/import_visa.html", {"imp": imp, "f": imp.forhandsvisning})


@require_POST
@require_perm("katalog.importera")
def import_bekrafta(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _get_import_for_user(request, pk)
    try:
        imp = katalogfil_tillampa(import_id=imp.pk, bekraftat_antal=heltal(request.POST.get("inaktivera")))
    except ValidationError as exc:
        imp.refresh_from_db(fields=["status"])
        context = {"imp": imp, "f": imp.forhandsvisning, "bekraftelsefel": exc.messages[0]}
        return render(request, "katalog/import_visa.html", context, status=UNPROCESSABLE)
    if imp.status == KatalogImport.Status.KLAR:
        messages.success(request, f"Katalogutdraget {imp.filnamn} är inläst.")
    return redirect("katalog:import_visa", pk=imp.pk)


@require_POST
@require_perm("katalog.importera")
def import_avbryt(request: HttpRequest, pk: int) -> HttpResponse:
    imp = _get_import_for_user(request, pk)
    try:
        katalogfil_avbryt(import_id=imp.pk)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("katalog:import_visa", pk=imp.pk)
    messages.info(request, f"Inläsningen av {imp.filnamn} är avbruten; ingenting har ändrats.")
    return redirect("katalog:import")
