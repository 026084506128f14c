"""The receiving unit's inbox of end-to-end referrals (issue 16 point 4): the envelopes addressed to the unit
(routing metadata only), one envelope opened with the unit's key in the request, and the signed receipt."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from arenden.models import Overforing
from arenden.services import remisskuvert
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment
from vardformedling.indata import heltal
from vardformedling.nycklar.fel import KryptoFel


def _overforingar(request: BehorigRequest):
    """The active commission's unit's envelopes; another unit's (or none) are simply absent (404, not 403)."""
    enhet = request.uppdrag.vardenhet_id if request.uppdrag else None
    return Overforing.objects.for_enhet(enhet).select_related("arende", "mottagare", "arende__region")


def _overforing(request: BehorigRequest, pk: str) -> Overforing:
    if (nummer := heltal(pk)) is None or request.uppdrag is None or not request.uppdrag.vardenhet_id:
        raise Http404
    try:
        return _overforingar(request).get(pk=nummer)
    except Overforing.DoesNotExist:
        raise Http404 from None


@never_cache
@require_safe
@require_perm("arenden.mottagning")
def inkorg(request: BehorigRequest) -> HttpResponse:
    # Routing metadata and case IDs only (no name, no personnummer): no access-log row, like the settlement page.
    rader = list(_overforingar(request).order_by("-skickad", "-id")[:200]) if request.uppdrag else []
    return render(request, "arenden/inkorg.html", {"rader": rader})


def _visa(request: BehorigRequest, o: Overforing, *, status=200, meddelande="", niva="ok") -> HttpResponse:
    """The envelope opened in this request (or why it cannot be), with the receipt form while unreceived."""
    try:
        remiss = remisskuvert.oppna(request, o)
        fel = ""
    except KryptoFel as exc:
        remiss, fel = None, exc.meddelande
        status = 422 if status == 200 else status
    context = {"o": o, "remiss": remiss, "fel": fel, "meddelande": meddelande, "meddelande_niva": niva}
    return render_page_or_fragment(request, "arenden/remiss.html", context, fragment="remiss", status=status)


@never_cache
@require_safe
@require_perm("arenden.mottagning")
def remiss_oppna(request: BehorigRequest, pk: str) -> HttpResponse:
    return _visa(request, _overforing(request, pk))


@never_cache
@require_POST
@require_perm("arenden.mottagning")
def remiss_kvittera(request: BehorigRequest, pk: str) -> HttpResponse:
    o = _overforing(request, pk)
    if request.POST.get("kuvert") != o.kuvert_sha256:
        # The form names the envelope it acknowledges: a receipt is only signed for the envelope that was shown.
        return _visa(request, o, status=422, meddelande=remisskuvert.KVITTERA_ANNAT, niva="error")
    try:
        o = remisskuvert.kvittera(overforing=o, anvandare=request.user, uppdrag=request.uppdrag)
    except ValidationError as exc:  # already received (by a colleague, or a second click)
        o.refresh_from_db()
        return _visa(request, o, status=409, meddelande=" ".join(exc.messages), niva="warn")
    except KryptoFel as exc:
        return _visa(request, o, status=422, meddelande=exc.meddelande, niva="error")
    if request.htmx:
        return _visa(request, o, meddelande=remisskuvert.KVITTERAD)
    messages.success(request, remisskuvert.KVITTERAD)
    return redirect("arenden:remiss", pk=o.pk)
