"""Forms: capacity announcements and catalogue upload."""

from datetime import timedelta
from typing import cast

from django import forms
from django.utils import timezone

from katalog.models import Kapacitetsannons

MAX_GILTIGHET_DAGAR = 90
STANDARD_GILTIGHET_DAGAR = 14
FEL_GILTIG_TILL_PASSERAD = "Sista visningsdag kan inte ligga före i dag."
FEL_GILTIG_TILL_FOR_LANGT = f"En annons kan visas högst {MAX_GILTIGHET_DAGAR} dagar."
FEL_PERIOD_ORDNING = "Periodens slut kan inte ligga före dess början."
FEL_PERIOD_SAKNAS = "Ange perioden som text (t.ex. v. 10–14) eller med datum."


class KapacitetsannonsForm(forms.ModelForm):
    class Meta:
        model = Kapacitetsannons
        fields = ["typ", "kva", "antal", "period", "period_fran", "period_till", "villkor", "kontakt", "giltig_till"]
        widgets = {
            "typ": forms.RadioSelect,
            "period_fran": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "period_till": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "giltig_till": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "villkor": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"kva": "Vårdtjänst (KVÅ-grupp)", "giltig_till": "Visas till och med"}
        help_texts = {
            "giltig_till": f"Högst {MAX_GILTIGHET_DAGAR} dagar fram; standard {STANDARD_GILTIGHET_DAGAR} dagar.",
            "kontakt": "Namn, telefon eller e-post för den som svarar på annonsen.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        typ = cast(forms.ChoiceField, self.fields["typ"])
        typ.choices = Kapacitetsannons.Typ.choices  # radio buttons: no blank "---------" choice
        cast(forms.IntegerField, self.fields["antal"]).min_value = 1
        self.fields["antal"].widget.attrs["min"] = 1
        if not self.is_bound:
            self.initial.setdefault("giltig_till", timezone.localdate() + timedelta(days=STANDARD_GILTIGHET_DAGAR))

    def clean_antal(self):
        antal = self.cleaned_data["antal"]
        if antal is not None and antal < 1:
            raise forms.ValidationError("Antal måste vara minst 1.")
        return antal

    def clean_giltig_till(self):
        value = self.cleaned_data["giltig_till"]
        idag = timezone.localdate()
        if value < idag:
            raise forms.ValidationError(FEL_GILTIG_TILL_PASSERAD)
        if value > idag + timedelta(days=MAX_GILTIGHET_DAGAR):
            raise forms.ValidationError(FEL_GILTIG_TILL_FOR_LANGT)
        return value

    def clean(self):
        super().clean()
        data = self.cleaned_data
        fran, till = data.get("period_fran"), data.get("period_till")
        if fran and till and till < fran:
            self.add_error("period_till", FEL_PERIOD_ORDNING)
        if not data.get("period") and not (fran or till) and not self.errors:
            self.add_error("period", FEL_PERIOD_SAKNAS)
        return data


class KatalogImportForm(forms.Form):
    fil = forms.FileField(label="Katalogutdrag (CSV eller XLSX)")
