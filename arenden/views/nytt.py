"""Step 1: register a case with the standard form; warn about an open case for the same patient and KVÅ."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from arenden import services
from arenden.access import logga
from arenden.forms import RegistreraForm
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm


@never_cache
@require_perm("arenden.registrera")
def arende_nytt(request: BehorigRequest) -> HttpResponse:
    """The case's home region is the commission's; a duplicate is named only within it (issue 22, findings 2–3)."""
    dubblett = None
    if request.method == "POST":
        form = RegistreraForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["remitterande_enhet"] = data.pop("remitterande_hsa")
            try:
                arende = services.arende_registrera(anvandare=request.user, uppdrag=request.uppdrag, **data)
            except services.DubblettFel as exc:
                # The check read another case of this patient: logged for that case (and its region's review),
                # whether or not the user may open it.
                egen = exc.dubblett.egen_region
                logga(request, [exc.dubblett.arende], "dubblettkontroll" if egen else "dubblettkontroll, annan region")
                dubblett = {"case_id": exc.dubblett.arende.case_id if egen else "", "meddelande": exc.messages[0]}
                form.add_error(None, exc)
            except ValidationError as exc:
                from arenden.views.arende import add_errors

                add_errors(form, exc)
            else:
                messages.success(request, f"Ärendet {arende.case_id} är registrerat.")
                return redirect("arenden:arende", case_id=arende.case_id)
    else:
        form = RegistreraForm()
    return render(
        request,
        "arenden/nytt.html",
        {"form": form, "dubblett": dubblett, "region": request.uppdrag.region if request.uppdrag else None},
        status=422 if form.errors else 200,
    )
