"""Administrators upload a catalogue extract; the page shows the result or every error."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from katalog.forms import KatalogImportForm
from katalog.importer import FEL_FOR_STOR, import_katalog
from katalog.models import KatalogImport
from vardformedling.decorators import require_perm


@require_http_methods(["GET", "POST"])
@require_perm("katalog.importera")
def import_view(request: HttpRequest) -> HttpResponse:
    # Bound on every POST: an empty POST (e.g. HTMX with the CSRF token in a header) is an error, not a blank form.
    form = KatalogImportForm(request.POST, request.FILES) if request.method == "POST" else KatalogImportForm()
    resultat = None
    status = 200
    if request.method == "POST" and form.is_valid():
        fil = form.cleaned_data["fil"]
        if fil.size > settings.UPLOAD_MAX_BYTES:
            form.add_error("fil", FEL_FOR_STOR.format(max=settings.UPLOAD_MAX_BYTES // (1024 * 1024)))
        else:
            resultat = import_katalog(data=fil.read(), filnamn=fil.name, user=request.user)
            status = 200 if resultat.ok else 400
    if form.errors:
        status = 400
    importer = KatalogImport.objects.select_related("importerad_av")[:15]
    return render(
        request,
        "katalog/import.html",
        {"form": form, "resultat": resultat, "importer": importer, "max_mb": settings.UPLOAD_MAX_BYTES // 2**20},
        status=status,
    )
