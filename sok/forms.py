"""The search form of Hitta vårdgivare (GET, bookmarkable) and its widgets rendered in Python."""

import re
from html import escape
from typing import cast

from django import forms
from django.forms.utils import ErrorList, flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from katalog.api import Agarform, KvaGrupp
from sok.search import DEFAULT_VIKTER
from vardformedling.models import Region

ARENDE_RE = re.compile(r"^VF-?[0-9]{4}-?[0-9]{2}-?[0-9]{6}-?[0-9]$")
FEL_ARENDE = "Ärende-id ska se ut som VF-ÅÅÅÅ-RR-NNNNNN-K."


class SnabbSelect(forms.Select):
    """A select rendered in Python. Django renders each <option> through its own template, which made the
    search form (five selects, ~90 options) the slowest part of the page."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        current = "" if value is None else str(value)
        # html.escape directly: format_html's lazy-string checks cost more than the markup (~90 options a page).
        options = "".join(
            f'<option value="{escape(str(v))}"{" selected" if str(v) == current else ""}>{escape(str(label))}</option>'
            for v, label in self.choices
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), mark_safe(options))  # noqa: S308


class SnabbInput(forms.widgets.Input):
    """An <input> rendered in Python from the widget's own context (value, checked, attrs): the same markup as
    django/forms/widgets/input.html without a template render per field (17 fields on every search page)."""

    def render(self, name, value, attrs=None, renderer=None):
        w = self.get_context(name, value, attrs)["widget"]
        varde = format_html(' value="{}"', str(w["value"])) if w["value"] is not None else ""
        return format_html('<input type="{}" name="{}"{}{}>', w["type"], w["name"], varde, _attrs(w["attrs"]))


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: in the given order, True as a bare name, False left out."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", k) if v is True else format_html(' {}="{}"', k, str(v)),)
            for k, v in attrs.items()
            if v is not False
        ),
    )


class SnabbTextInput(SnabbInput, forms.TextInput):
    pass


class SnabbNumberInput(SnabbInput, forms.NumberInput):
    pass


class SnabbCheckboxInput(SnabbInput, forms.CheckboxInput):
    pass


class SnabbDateInput(SnabbInput, forms.DateInput):
    pass


class SnabbHiddenInput(SnabbInput, forms.HiddenInput):
    pass


class SnabbErrorList(ErrorList):
    """No template render for the (usual) empty error list; the default template renders nothing then too."""

    def render(self, template_name=None, context=None, renderer=None):
        return "" if not self.data else super().render(template_name, context, renderer)

    __str__ = render


class SokForm(forms.Form):
    """All query parameters of /katalog/sok/. Names are a contract: the case workflow links here."""

    q = forms.CharField(
        label="Vårdtjänst",
        required=False,
        max_length=100,
        widget=SnabbTextInput(attrs={"type": "search", "placeholder": "t.ex. katarakt eller CJE", "list": "kva-lista"}),
        help_text="Fritext över KVÅ-benämning, eller KVÅ-koden",
    )
    # Links (e.g. from a case) name the group with `kva`; the form itself has one field, `q`, so typing never
    # fights a stale selection.
    kva = forms.ChoiceField(label="KVÅ-grupp", required=False, widget=SnabbHiddenInput)
    region = forms.ChoiceField(label="Enhetens region", required=False, widget=SnabbSelect)
    sjukvardsregion = forms.ChoiceField(label="Sjukvårdsregion", required=False, widget=SnabbSelect)
    agarform = forms.ChoiceField(
        label="Ägarform", required=False, choices=[("", "Alla"), *Agarform.choices], widget=SnabbSelect
    )
    max_avstand = forms.IntegerField(
        label="Högst avstånd (km)", required=False, min_value=1, max_value=3000, widget=SnabbNumberInput
    )
    asa = forms.TypedChoiceField(
        label="Patientens ASA-klass",
        required=False,
        coerce=int,
        empty_value=None,
        widget=SnabbSelect,
        choices=[("", "Ej angiven"), (1, "ASA 1"), (2, "ASA 2"), (3, "ASA 3"), (4, "ASA 4")],
    )
    narkos = forms.BooleanField(label="Behöver narkos", required=False, widget=SnabbCheckboxInput)
    med_avtal = forms.BooleanField(
        label="Endast användbara avtal med volym kvar", required=False, widget=SnabbCheckboxInput
    )
    max_vantetid = forms.IntegerField(
        label="Högst medianväntetid (dagar)", required=False, min_value=0, max_value=2000, widget=SnabbNumberInput
    )
    patientregion = forms.ChoiceField(label="Patientens region (avtal)", required=False, widget=SnabbSelect)
    fran = forms.CharField(
        label="Avstånd från (HSA-id)",
        required=False,
        max_length=64,
        widget=SnabbTextInput,
        help_text="Remitterande enhet; tomt = residensstaden i patientens region",
    )
    datum = forms.DateField(
        label="Planerat datum", required=False, widget=SnabbDateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    arende = forms.CharField(required=False, max_length=30, widget=SnabbHiddenInput)
    sida = forms.IntegerField(required=False, min_value=1, widget=SnabbHiddenInput)
    v_vantetid = forms.IntegerField(
        label="Väntetid", required=False, min_value=0, max_value=10, widget=SnabbNumberInput
    )
    v_avstand = forms.IntegerField(label="Avstånd", required=False, min_value=0, max_value=10, widget=SnabbNumberInput)
    v_pris = forms.IntegerField(label="Pris", required=False, min_value=0, max_value=10, widget=SnabbNumberInput)
    v_avtal = forms.IntegerField(label="Avtal", required=False, min_value=0, max_value=10, widget=SnabbNumberInput)
    v_formaga = forms.IntegerField(label="Förmåga", required=False, min_value=0, max_value=10, widget=SnabbNumberInput)
    v_kvalitet = forms.IntegerField(
        label="Kvalitet", required=False, min_value=0, max_value=10, widget=SnabbNumberInput
    )

    def __init__(self, data, *, regions: list[Region], kva_grupper: list[KvaGrupp]):
        super().__init__(data, error_class=SnabbErrorList)
        region_choices = [(r.kod, f"{r.kod} {r.namn}") for r in regions]
        val = cast(dict[str, forms.ChoiceField], self.fields)  # the four set here are choice fields
        val["region"].choices = [("", "Alla regioner"), *region_choices]
        val["patientregion"].choices = [("", "Ingen vald"), *region_choices]
        sjv = sorted({r.sjukvardsregion for r in regions})
        val["sjukvardsregion"].choices = [("", "Alla"), *((s, s) for s in sjv)]
        val["kva"].choices = [("", "Välj…"), *((k.kod, str(k)) for k in kva_grupper)]
        for name in self.vikt_falt:
            self.fields[name].widget.attrs.update({"class": "vikt"})

    @property
    def vikt_falt(self) -> list[str]:
        return [f"v_{k}" for k in DEFAULT_VIKTER]

    def clean_arende(self) -> str:
        value = (self.cleaned_data.get("arende") or "").strip().upper()
        if value and not ARENDE_RE.match(value):
            raise forms.ValidationError(FEL_ARENDE)
        return value

    def clean_fran(self) -> str:
        return (self.cleaned_data.get("fran") or "").strip().upper()

    def vikter(self) -> dict[str, int]:
        data = getattr(self, "cleaned_data", {})
        return {k: d if (v := data.get(f"v_{k}")) is None else v for k, d in DEFAULT_VIKTER.items()}
