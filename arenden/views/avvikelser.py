"""The case's deviation log (issue #19 point 5): what happened, when, reported by whom, what was done. The home region
and the receiving unit both see it and both write to it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from arenden.access import _get_arende_for_user
from arenden.models import Avvikelse
from arenden.services import identitet
from arenden.views.arende import _render, panelrader
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm

FRAMTID = "Datumet kan inte ligga i framtiden."
SPARAD = "Avvikelsen är registrerad; båda parter ser den i ärendet."


class AvvikelseForm(forms.Form):
    # Free text about the patient: stored only sealed (issue 16), so a plain form, not a ModelForm.
    vad = forms.CharField(label="Vad hände", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
    nar = forms.DateField(label="När", widget=forms.DateInput(attrs={"type": "date"}))
    atgard = forms.CharField(label="Åtgärd", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, required=False)

    def clean_nar(self):
        nar = self.cleaned_data["nar"]
        if nar > timezone.localdate():
            raise forms.ValidationError(FRAMTID)
        return nar


def avvikelse_context(request, arende, avvikelse_form=None) -> dict:
    return {
        "avvikelser": panelrader(arende, "avvikelser", arende.avvikelser.all()),
        "avvikelse_form": avvikelse_form or AvvikelseForm(prefix="avvikelse", initial={"nar": timezone.localdate()}),
    }


@never_cache
@require_POST
@require_perm("arenden.visa")
def avvikelse_ny(request: BehorigRequest, case_id: str) -> HttpResponse:
    arende = _get_arende_for_user(request, case_id)
    form = AvvikelseForm(request.POST, prefix="avvikelse")
    if not form.is_valid():
        return _render(request, arende, status=422, handling="avvikelse", avvikelse_form=form)
    avvikelse = Avvikelse(
        arende=arende,
        nar=form.cleaned_data["nar"],
        rapporterad_av=request.user,
        uppdrag=request.uppdrag.etikett if request.uppdrag else "",
    )
    try:
        for falt in ("vad", "atgard"):
            identitet.forsegla_text(avvikelse, falt, form.cleaned_data[falt], arende=arende, request=request)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _render(request, arende, status=422, handling="avvikelse", avvikelse_form=form)
    avvikelse.save()
    if request.htmx:
        return _render(request, arende, handling="avvikelse", meddelande=SPARAD)
    messages.success(request, SPARAD)
    return redirect("arenden:arende", case_id=arende.case_id)
