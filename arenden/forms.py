"""Forms for registering and driving cases. Each action form carries the case version (optimistic locking)."""

from datetime import timedelta
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from arenden import services
from arenden.models import Arende, Avslutsorsak, Erbjudande, Kalla, Kontaktvag, Resa, SvarsKanal
from arenden.services import DOKUMENT
from katalog.models import KvaGrupp, Vardenhet
from vardformedling import format as fmt
from vardformedling import personnummer as pnr
from vardformedling.indata import heltal

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ASA_CHOICES = [("", "Välj"), *[(str(i), f"ASA {i}") for i in range(1, 6)]]
ENHET_SAKNAS = "Det finns ingen aktiv vårdenhet med HSA-id {hsa_id}."


class RegistreraForm(forms.Form):
    """Step 1. The home region is not a field: it is the region of the user's commission (the view shows it and the
    service sets it), so a posted `region` is ignored."""

    personnummer = forms.CharField(
        label="Personnummer eller samordningsnummer",
        max_length=15,
        help_text="ÅÅÅÅMMDD-NNNN. Visas maskerat i listor och skrivs aldrig i adresser eller loggar.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    namn = forms.CharField(label="Namn", max_length=200)
    kontaktuppgifter = forms.CharField(label="Telefon / adress", max_length=300, required=False)
    kontaktvag = forms.ChoiceField(label="Önskad kontaktväg", choices=Kontaktvag.choices)
    kalla = forms.TypedChoiceField(
        label="Källa",
        choices=Kalla.choices,
        initial=Kalla.PATIENT,
        required=False,
        empty_value=Kalla.PATIENT,
        help_text="Hur ärendet kom till vårdförmedlingen: egen väntelista, patientens kontakt eller remiss.",
    )
    kommun = forms.CharField(label="Kommun", max_length=100, required=False)
    remitterande_hsa = forms.CharField(
        label="Remitterande enhet (HSA-id)", max_length=64, required=False, help_text="T.ex. SE2321000180-OGON01"
    )
    remitterande_text = forms.CharField(label="Remitterande enhet (fritext)", max_length=200, required=False)
    kva = forms.ModelChoiceField(label="KVÅ-grupp (vårdtjänst)", queryset=KvaGrupp.objects.all())
    diagnos_kod = forms.CharField(label="Diagnoskod (ICD-10)", max_length=10, required=False)
    diagnos_text = forms.CharField(label="Diagnos", max_length=200, required=False)
    asa_klass = forms.TypedChoiceField(
        label="ASA-klass", choices=ASA_CHOICES, coerce=int, empty_value=None, required=False
    )
    narkos = forms.BooleanField(label="Kräver narkos", required=False)
    lakemedel = forms.CharField(label="Relevanta läkemedel", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    tolkbehov = forms.CharField(label="Tolkbehov (språk)", max_length=100, required=False)
    beslutsdatum = forms.DateField(label="Beslut om behandling", widget=DATE)
    medicinskt_senast = forms.DateField(label="Medicinskt senast", widget=DATE, required=False)
    max_restid = forms.IntegerField(label="Högsta restid (timmar)", min_value=0, max_value=48, required=False)
    max_avstand = forms.IntegerField(label="Högsta avstånd (km)", min_value=0, max_value=3000, required=False)
    ledsagare = forms.BooleanField(label="Behöver ledsagare", required=False)
    lamplig = forms.TypedChoiceField(
        label="Lämplig för vårdförmedling",
        choices=[("", "Bedöm senare"), ("ja", "Ja"), ("nej", "Nej")],
        coerce=lambda v: v == "ja",
        empty_value=None,
        required=False,
    )
    lamplighet_motivering = forms.CharField(
        label="Motivering", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    tillat_dubblett = forms.BooleanField(label="Registrera ändå (patienten har redan ett öppet ärende)", required=False)

    def clean_personnummer(self):
        return pnr.normalise(self.cleaned_data["personnummer"])

    def clean_remitterande_hsa(self):
        hsa = (self.cleaned_data.get("remitterande_hsa") or "").strip()
        if not hsa:
            return None
        enhet = Vardenhet.objects.filter(hsa_id__iexact=hsa).first()
        if enhet is None:
            raise ValidationError(ENHET_SAKNAS.format(hsa_id=hsa))
        return enhet

    def clean_beslutsdatum(self):
        value = self.cleaned_data["beslutsdatum"]
        if value > timezone.localdate():
            raise ValidationError("Beslutsdatum kan inte ligga i framtiden.")
        return value


VERSION_FEL = "Formuläret saknar ärendets version. Ladda om ärendet och försök igen."


class VersionForm(forms.Form):
    version = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": VERSION_FEL, "invalid": VERSION_FEL}
    )


class BedomForm(VersionForm):
    lamplig = forms.TypedChoiceField(
        label="Lämplig för vårdförmedling",
        choices=[("ja", "Ja, lämplig"), ("nej", "Nej, inte lämplig")],
        coerce=lambda v: v == "ja",
        widget=forms.RadioSelect,
    )
    motivering = forms.CharField(label="Motivering", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class AvtalsradField(forms.ChoiceField):
    """The choice of agreement line. A value outside the listed (usable) lines is not answered with Django's
    "… finns inte bland tillgängliga alternativ" (which shows the internal id): ErbjudandeForm.clean() says why
    that line cannot be used."""

    def validate(self, value):
        forms.Field.validate(self, value)


HSA_ID_MAX = 64
INGEN_ENHET_AN = "Ange vårdenhetens HSA-id, så visas de avtalsrader som kan användas för den."


class ErbjudandeForm(VersionForm):
    vardenhet = forms.CharField(label="Vårdenhet (HSA-id)", max_length=HSA_ID_MAX)
    avtalsrad = AvtalsradField(label="Avtalsrad", required=False, choices=[])
    forvantat_datum = forms.DateField(label="Förväntat datum för vården", widget=DATE, required=False)
    erbjudet_via = forms.ChoiceField(label="Erbjudet via", choices=Erbjudande.Via.choices)
    svarsfrist = forms.DateField(label="Svar senast", widget=DATE)
    efter_vardgaranti_motivering = forms.CharField(
        label="Skäl att erbjuda vård efter vårdgarantins datum",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, arende: Arende, **kwargs):
        super().__init__(*args, **kwargs)
        self.arende = arende
        self.enhet = self._vald_enhet()
        self.datum = self._planerat_datum()
        self.anvandbara: dict[int, object] = {}
        self.fields[
            "forvantat_datum"
        ].help_text = (
            f"Vårdgarantin löper ut {fmt.datum(arende.vardgaranti_datum)}. Ett senare datum kräver ett skäl nedan."
        )
        self.fields["efter_vardgaranti_motivering"].help_text = (
            f"Fylls i bara när förväntat datum ligger efter {fmt.datum(arende.vardgaranti_datum)}. "
            "Skälet sparas i ärendets historik."
        )
        self.fields["svarsfrist"].initial = timezone.localdate() + timedelta(days=14)
        falt = cast(forms.ChoiceField, self.fields["avtalsrad"])
        if self.enhet is None:
            falt.choices = [("", "Inget avtal")]
            falt.help_text = INGEN_ENHET_AN
            return
        # Only lines an offer may use (issue 22 finding 4, issue 14 point 5); the provider's other lines of the
        # KVÅ group are named in the help text with the reason they are missing.
        rader, hindrade = services.avtalsrader_for_erbjudande(arende=arende, vardenhet=self.enhet, datum=self.datum)
        self.anvandbara = {r.pk: r for r in rader}
        falt.choices = [("", "Inget avtal")] + [
            (r.pk, f"{r.avtal.avtal_id} – {r.avtal.vardgivare.namn} ({fmt.kr(r.pris_kr) or 'pris saknas'})")
            for r in rader
        ]
        if hindrade:
            falt.help_text = f"Visas inte (planerat datum {fmt.datum(self.datum)}): " + " ".join(
                " ".join(skal) for _rad, skal in hindrade
            )

    def _vald_enhet(self):
        """The unit named in the form data (bound) or the initial data, if it is an active unit. A value no HSA-id
        can be (too long, NUL) is not looked up: the field's own validation reports it (issue 22, finding 8)."""
        hsa = (self.data.get(self.add_prefix("vardenhet")) if self.is_bound else self.initial.get("vardenhet")) or ""
        hsa = str(hsa).strip()
        if not hsa or len(hsa) > HSA_ID_MAX or "\x00" in hsa:
            return None
        return Vardenhet.objects.filter(hsa_id__iexact=hsa, aktiv=True).select_related("vardgivare").first()

    def _planerat_datum(self):
        """The planned date the lines must be valid on: the form's "Förväntat datum", else today."""
        if self.is_bound:
            try:
                datum = self.fields["forvantat_datum"].clean(self.data.get(self.add_prefix("forvantat_datum")))
            except ValidationError:
                datum = None
            if datum is not None:
                return datum
        return timezone.localdate()

    def clean_vardenhet(self):
        hsa = self.cleaned_data["vardenhet"].strip()
        if self.enhet is None or self.enhet.hsa_id.upper() != hsa.upper():
            raise ValidationError(ENHET_SAKNAS.format(hsa_id=hsa))
        return self.enhet

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        valt = cleaned.get("avtalsrad")
        if not valt:
            cleaned["avtalsrad"] = None
            return cleaned
        enhet = cleaned.get("vardenhet")
        if enhet is None:  # the unit's own error says what to fix first
            cleaned["avtalsrad"] = None
            return cleaned
        pk = heltal(valt)
        if pk in self.anvandbara:
            cleaned["avtalsrad"] = self.anvandbara[pk]
            return cleaned
        datum = cleaned.get("forvantat_datum") or timezone.localdate()
        self.add_error(
            "avtalsrad", services.avtalsrad_hinder(rad_pk=pk, arende=self.arende, vardenhet=enhet, datum=datum)
        )
        return cleaned


class SvarForm(VersionForm):
    svar = forms.TypedChoiceField(
        label="Patientens svar",
        choices=[("ja", "Ja, tackar ja"), ("nej", "Nej, tackar nej")],
        coerce=lambda v: v == "ja",
        widget=forms.RadioSelect,
    )
    avbojt_orsak = forms.ChoiceField(
        label="Orsak (vid nej)", choices=[("", "Välj"), *Erbjudande.AvbojtOrsak.choices], required=False
    )
    fritext = forms.CharField(label="Kommentar", max_length=500, required=False)
    kanal = forms.ChoiceField(
        label="Svaret kom",
        choices=SvarsKanal.choices,
        initial=SvarsKanal.TELEFON,
        widget=forms.RadioSelect,
        required=False,
    )

    def clean_kanal(self) -> str:
        # A form posted without the choice (an older page) records the coordinator's usual path, the phone.
        return self.cleaned_data.get("kanal") or SvarsKanal.TELEFON


class AterkallaForm(VersionForm):
    motivering = forms.CharField(label="Varför återkallas erbjudandet?", max_length=500, required=False)


class OverforForm(VersionForm):
    dokument = forms.MultipleChoiceField(
        label="Dokument som skickas",
        choices=list(DOKUMENT.items()),
        widget=forms.CheckboxSelectMultiple,
        initial=["remiss"],
    )


class ResaForm(VersionForm):
    fardsatt = forms.ChoiceField(label="Färdsätt", choices=Resa.Fardsatt.choices)
    bokad_av = forms.ChoiceField(label="Bokas av", choices=Resa.BokadAv.choices)
    ledsagare = forms.BooleanField(label="Ledsagare följer med", required=False)
    hotellnatt = forms.BooleanField(label="Hotellnatt", required=False)
    anteckning = forms.CharField(label="Anteckning", max_length=300, required=False)


class BekraftaForm(VersionForm):
    planerat_datum = forms.DateField(label="Planerat datum", widget=DATE)


class UtfordForm(VersionForm):
    utfort_datum = forms.DateField(label="Utförd datum", widget=DATE)
    utfall = forms.CharField(label="Utfall", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class AterremitteraForm(VersionForm):
    motivering = forms.CharField(label="Meddelande till hemregionen", max_length=500, required=False)


class UppfoljningForm(VersionForm):
    # Digits as in the model's columns: a larger amount is a form error, not a database overflow (a 500).
    faktura_belopp = forms.DecimalField(
        label="Fakturabelopp (kr)",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="Tomt = avtalets pris",
    )
    betald_datum = forms.DateField(label="Betald", widget=DATE, required=False)
    resekostnad = forms.DecimalField(
        label="Ersatta resekostnader (kr)", min_value=0, max_digits=10, decimal_places=2, required=False
    )
    patientupplevelse = forms.TypedChoiceField(
        label="Patientens upplevelse",
        choices=[
            ("", "Inte besvarad"),
            ("5", "5 – Mycket bra"),
            ("4", "4"),
            ("3", "3"),
            ("2", "2"),
            ("1", "1 – Mycket dålig"),
        ],
        coerce=int,
        empty_value=None,
        required=False,
    )


class AvslutaForm(VersionForm):
    motivering = forms.CharField(label="Kommentar", max_length=500, required=False)


class AvslutaTidigtForm(VersionForm):
    orsak = forms.ChoiceField(label="Orsak", choices=[("", "Välj"), *Avslutsorsak.choices])
    motivering = forms.CharField(label="Motivering", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class AnteckningForm(forms.Form):
    typ = forms.ChoiceField(label="Typ", choices=[("anteckning", "Anteckning"), ("kontakt", "Kontakt med patient")])
    text = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class TilldelaForm(VersionForm):
    handlaggare: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Handläggare", queryset=None, empty_label="Välj handläggare"
    )

    def __init__(self, *args, region_kod: str, **kwargs):
        super().__init__(*args, **kwargs)
        from arenden.services import handlaggare_kandidater

        cast(forms.ModelChoiceField, self.fields["handlaggare"]).queryset = handlaggare_kandidater(region_kod)


class BevakaForm(VersionForm):
    """Park the case with a reason, or end the parking (issue 17 point 5)."""

    val = forms.ChoiceField(
        label="Bevakning",
        choices=[("bevaka", "Bevaka ärendet"), ("avsluta", "Avsluta bevakningen")],
        initial="bevaka",
        widget=forms.RadioSelect,
    )
    orsak = forms.CharField(
        label="Varför bevakas ärendet?",
        max_length=300,
        required=False,
        help_text="T.ex. ”ASA 4, ingen enhet med rätt kompetens”. Ärendet visas i arbetslistan igen med en notis "
        "när en kapacitetsannons, avtalsrad eller enhet som passar dyker upp.",
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("val") == "bevaka" and not (data.get("orsak") or "").strip():
            from arenden.services.bevakning import ORSAK_SAKNAS

            self.add_error("orsak", ORSAK_SAKNAS)
        return data


class AterringningForm(VersionForm):
    """Book a call-back (date, time, note) or mark the booked one done."""

    datum = forms.DateField(label="Datum", widget=DATE, required=False)
    tid = forms.TimeField(label="Tid", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), required=False)
    anteckning = forms.CharField(label="Anteckning", max_length=500, required=False)
    klar = forms.BooleanField(label="Den bokade återuppringningen är gjord", required=False)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if not data.get("klar"):
            idag = timezone.localdate()
            if (d := data.get("datum")) and not idag <= d <= idag + timedelta(days=365):
                self.add_error("datum", "Välj ett datum från i dag och högst ett år framåt.")
            if not data.get("datum") and "datum" not in self.errors:
                self.add_error("datum", "Ange datum för återuppringningen.")
            if not data.get("tid") and "tid" not in self.errors:
                self.add_error("tid", "Ange tid för återuppringningen, t.ex. 10:30.")
        return data
