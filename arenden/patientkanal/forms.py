"""The region's patient texts: settings and the two confirmation templates (coordinators of the region)."""

from django import forms
from django.core.exceptions import ValidationError

from arenden.patientkanal import mallar
from arenden.patientkanal.models import Meddelandetyp

TYPER = (Meddelandetyp.REMISSBEKRAFTELSE, Meddelandetyp.BEHANDLINGSBEKRAFTELSE)


class PatientmallarForm(forms.Form):
    post_efter_dagar = forms.IntegerField(
        label="Skicka ett obesvarat digitalt erbjudande per post efter (dagar)", min_value=1, max_value=90
    )
    kontakt = forms.CharField(
        label="Kontaktuppgifter ({kontakt})", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=1000
    )
    reseregler = forms.CharField(
        label="Regler för resor ({resor})", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for typ in TYPER:
            namn = Meddelandetyp(typ).label
            self.fields[f"{typ}_rubrik"] = forms.CharField(label=f"{namn}: rubrik", max_length=200)
            self.fields[f"{typ}_text"] = forms.CharField(
                label=f"{namn}: text", widget=forms.Textarea(attrs={"rows": 14}), max_length=5000
            )

    def clean(self):
        data = super().clean() or {}
        # Only the templates hold placeholders; contact details and travel rules are values (escaped when shown).
        for namn, varde in list(data.items()):
            if namn.endswith(("_rubrik", "_text")):
                try:
                    mallar.granska(varde or "")
                except ValidationError as exc:
                    self.add_error(namn, exc)
        return data

    def mallar_text(self) -> dict[str, tuple[str, str]]:
        d = self.cleaned_data
        return {typ: (d[f"{typ}_rubrik"], d[f"{typ}_text"]) for typ in TYPER}
