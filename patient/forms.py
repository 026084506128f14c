"""The patient's forms: the answer to the offers and the request to be contacted about care elsewhere."""

from typing import cast

from django import forms
from django.utils import timezone

from arenden.api import Erbjudande
from arenden.services.patientsvar import KontaktOrsak
from katalog import api as katalog_api
from vardformedling import referensdata


class NejForm(forms.Form):
    """No to every open offer, with an optional reason from the coordinators' list."""

    avbojt_orsak = forms.ChoiceField(
        label="Varför säger du nej? (du behöver inte svara)",
        choices=[("", "Jag vill inte ange något skäl"), *Erbjudande.AvbojtOrsak.choices],
        required=False,
    )


class KontaktForm(forms.Form):
    region = forms.ChoiceField(label="Vilken region bor du i?")
    kva = forms.ChoiceField(label="Vilken vård väntar du på?")
    beslutsdatum = forms.DateField(
        label="När fick du beskedet att du ska få vården? (om du vet)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-09-30."},
    )
    orsak = forms.ChoiceField(
        label="Varför vill du bli kontaktad?",
        choices=list(KontaktOrsak.VAL.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Välj varför du vill bli kontaktad."},
    )
    text = forms.CharField(
        label="Vill du berätta något mer? (du behöver inte skriva något)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Skriv högst 1 000 tecken."},
    )

    def __init__(self, *args, region_forval: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        region, kva = cast(forms.ChoiceField, self.fields["region"]), cast(forms.ChoiceField, self.fields["kva"])
        region.choices = [("", "Välj region"), *((r.kod, r.namn) for r in referensdata.regioner())]
        self.fields["region"].error_messages["required"] = "Välj den region du bor i."
        self.fields["region"].error_messages["invalid_choice"] = "Välj en region i listan."
        kva.choices = [
            ("", "Välj vård"),
            # The patient's own words first ("Grå starr"), the care's name after it, in the order of those words.
            *sorted(
                (
                    (
                        g.kod,
                        g.vardagligt_namn
                        if g.vardagligt_namn == g.benamning
                        else f"{g.vardagligt_namn} ({g.benamning})",
                    )
                    for g in katalog_api.kva_grupper()
                    if g.benamning
                ),
                key=lambda val: val[1].casefold(),
            ),
        ]
        self.fields["kva"].error_messages["required"] = "Välj vilken vård du väntar på."
        self.fields["kva"].error_messages["invalid_choice"] = "Välj en vård i listan."
        if region_forval:
            self.fields["region"].initial = region_forval

    def full_clean(self):
        super().full_clean()
        for namn in self.errors:  # each field with an error names its message (the template's "<id>-fel")
            if namn in self.fields:
                self.fields[namn].widget.attrs["aria-describedby"] = f"{self[namn].auto_id}-fel"

    def clean_beslutsdatum(self):
        datum = self.cleaned_data.get("beslutsdatum")
        if datum is not None and datum > timezone.localdate():
            raise forms.ValidationError("Datumet kan inte ligga i framtiden.")
        return datum
