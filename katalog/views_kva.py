"""KVÅ groups first seen in a register or catalogue file: listed for an administrator, who names them here."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from katalog.models import KvaGrupp
from vardformedling.decorators import require_perm
from vardformedling.indata import fel_styrtecken
from vardformedling.reference import normalisera_synonymer

FALT = {"kod": "KVÅ-kod", "benamning": "Benämning", "vardomrade": "Vårdområde", "synonymer": "Vardagliga ord"}


@require_http_methods(["GET", "POST"])
@require_perm("katalog.importera")
def namnge_view(request: HttpRequest) -> HttpResponse:
    """GET: the groups without a name. POST kod, benamning, vardomrade (and synonymer): names one of them;
    422 with the reason when the code is not an unnamed group or the name is missing."""
    fel: dict[str, str] = {}
    if request.method == "POST":
        kod = request.POST.get("kod", "").strip().upper()
        benamning = " ".join(request.POST.get("benamning", "").split())
        vardomrade = " ".join(request.POST.get("vardomrade", "").split())
        for falt, namn in FALT.items():  # PostgreSQL refuses NUL (a 500); no control character is stored
            if text := fel_styrtecken(request.POST.get(falt, "")):
                fel[falt] = f"{namn}: {text}"
        grupp = None if "kod" in fel else KvaGrupp.objects.utan_namn().filter(kod=kod).first()
        if grupp is None and "kod" not in fel:
            fel["kod"] = f"KVÅ-gruppen {kod or '(tom)'} finns inte bland grupperna som saknar namn."
        if not benamning and "benamning" not in fel:
            fel["benamning"] = "Skriv gruppens benämning enligt KVÅ."
        if len(benamning) > 200:
            fel["benamning"] = "Benämningen får vara högst 200 tecken."
        if not fel and grupp is not None:
            grupp.benamning, grupp.vardomrade = benamning, vardomrade[:100]
            grupp.synonymer = normalisera_synonymer(request.POST.get("synonymer", ""))[:500]
            grupp.save(update_fields=["benamning", "vardomrade", "synonymer"])
            messages.success(request, f"KVÅ-gruppen {grupp.kod} heter nu {grupp.benamning}.")
            return redirect("katalog:kva_namnge")
    context = {
        "grupper": KvaGrupp.objects.utan_namn(),
        "fel": fel,
        "post": request.POST if fel else {},
        "vardomraden": sorted(set(KvaGrupp.objects.exclude(vardomrade="").values_list("vardomrade", flat=True))),
    }
    return render(request, "katalog/kva_namnge.html", context, status=422 if fel else 200)
