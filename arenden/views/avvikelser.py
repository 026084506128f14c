"""The case's deviation log (issue #19 point 5): what happened, when, reported by whom, what was done. The home region
and the receiving unit both see it and both write to it."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from arenden.access import _get_arende_for_user
from arenden.models import Avvikelse
from arenden.views.arende import _render, panelrader
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm

FRAMTID = "Datumet kan inte ligga i framtiden."
SPARAD = "Avvikelsen är registrerad; båda parter ser den i ärendet."


class AvvikelseForm(forms.ModelForm):
    class Meta:
        model = Avvikelse
        fields = ["vad", "nar", "atgard"]
        widgets = {
            "vad": forms.Textarea(attrs={"rows": 2}),
            "atgard": forms.Textarea(attrs={"rows": 2}),
            "nar": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {"vad": "Vad hände", "nar": "När", "atgard": "Åtgärd"}

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
    avvikelse = form.save(commit=False)
    avvikelse.arende = arende
    avvikelse.rapporterad_av = request.user
    avvikelse.uppdrag = request.uppdrag.etikett if request.uppdrag else ""
    avvikelse.save()
    if request.htmx:
        return _render(request, arende, handling="avvikelse", meddelande=SPARAD)
    messages.success(request, SPARAD)
    return redirect("arenden:arende", case_id=arende.case_id)
