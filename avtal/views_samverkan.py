"""The cooperation checklist of an agreement line (issue #19 point 5): care steps included, who gives the patient the
results, how deviations are reported, contact routes. Kept by the owning region's coordinator on the agreement page."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from avtal.models import Avtalsrad
from avtal.views import detalj_context
from vardformedling.anrop import BehorigRequest
from vardformedling.decorators import require_perm
from vardformedling.htmx import render_page_or_fragment

VARDSTEG_SAKNAS = "Skriv vilka vårdsteg som ingår (t.ex. preoperativt besök, operation, återbesök)."


class SamverkanForm(forms.ModelForm):
    class Meta:
        model = Avtalsrad
        fields = ["vardsteg", "resultat_ges_av", "avvikelser_rapporteras", "kontaktvagar"]
        widgets = {f: forms.Textarea(attrs={"rows": 2}) for f in ("vardsteg", "avvikelser_rapporteras", "kontaktvagar")}

    def clean_vardsteg(self):
        varde = self.cleaned_data["vardsteg"].strip()
        if not varde:
            raise forms.ValidationError(VARDSTEG_SAKNAS)
        return varde


def far_andra(uppdrag, rad: Avtalsrad) -> bool:
    return bool(uppdrag and uppdrag.region_id and uppdrag.region_id == rad.avtal.avtalsagare_id)


@require_POST
@require_perm("avtal.samverkan")
def samverkan(request: BehorigRequest, pk: int) -> HttpResponse:
    rad = get_object_or_404(Avtalsrad.objects.select_related("avtal"), pk=pk)
    if not far_andra(getattr(request, "uppdrag", None), rad):
        raise PermissionDenied
    form = SamverkanForm(request.POST, instance=rad, prefix=f"samverkan-{rad.pk}")
    if form.is_valid():
        form.save()
        text = f"Samverkansvillkoren för {rad.kva_id} är sparade."
        if not request.htmx:
            messages.success(request, text)
            avtal = rad.avtal
            return redirect(reverse("avtal:detalj", args=[avtal.avtal_id]) + f"?agare={avtal.avtalsagare_id}")
        context = detalj_context(request, rad.avtal_id)
        context["samverkan_kvitto"] = text
        return render_page_or_fragment(request, "avtal/detalj.html", context, fragment="samverkan")
    context = detalj_context(request, rad.avtal_id, samverkan_form=form)
    return render_page_or_fragment(request, "avtal/detalj.html", context, fragment="samverkan", status=422)
