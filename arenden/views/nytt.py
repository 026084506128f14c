"""Step 1: register a case with the standard form; warn about an open case for the same patient and KVÅ."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from arenden import services
from arenden.access import logga
from arenden.forms import RegistreraForm
from arenden.models import Arende
from vardformedling.decorators import require_perm


@never_cache
@require_perm("arenden.registrera")
def arende_nytt(request: HttpRequest) -> HttpResponse:
    dubblett = None
    if request.method == "POST":
        form = RegistreraForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["remitterande_enhet"] = data.pop("remitterande_hsa")
            try:
                arende = services.arende_registrera(anvandare=request.user, uppdrag=request.uppdrag, **data)
            except ValidationError as exc:
                if getattr(exc, "code", None) == "dubblett":
                    dubblett = (
                        Arende.objects.visible_to(request.user, request.uppdrag)
                        .oppna()
                        .filter(personnummer=data["personnummer"], kva=data["kva"])
                        .first()
                    )
                    if dubblett:
                        logga(request, [dubblett], "dubblettvarning")
                    form.add_error(None, exc)
                else:
                    from arenden.views.arende import add_errors

                    add_errors(form, exc)
            else:
                messages.success(request, f"Ärendet {arende.case_id} är registrerat.")
                return redirect("arenden:arende", case_id=arende.case_id)
    else:
        form = RegistreraForm(initial={"region": request.uppdrag.region_id if request.uppdrag else None})
    return render(
        request, "arenden/nytt.html", {"form": form, "dubblett": dubblett}, status=422 if form.errors else 200
    )
