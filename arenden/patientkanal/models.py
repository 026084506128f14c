"""Messages to the patient and the texts a region adapts (issue 18).

A `PatientMeddelande` keeps what the patient is shown on /patient/ (and can print): the rendered, escaped HTML of
one message – never a personnummer or a name in clear (the identity stays sealed in arenden/services/identitet.py).
A `Patientmall` is a region's own wording of a confirmation; `Patientinstallning` holds the region's contact
details, travel rules and after how many days an unanswered digital offer goes out by post.
"""

from django.db import models
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from vardformedling.models import Region

POST_EFTER_DAGAR = 14  # a region without its own setting: the source region's 14 days


class Meddelandetyp(models.TextChoices):
    ERBJUDANDE = "erbjudande", "Erbjudande om vård"
    REMISSBEKRAFTELSE = "remissbekraftelse", "Remissbekräftelse"
    BEHANDLINGSBEKRAFTELSE = "behandlingsbekraftelse", "Behandlingsbekräftelse"


class Meddelandekanal(models.TextChoices):
    V1177 = "1177", "1177 (Inkorgen)"
    POST = "post", "Post"


class SvarsKanal(models.TextChoices):
    """How the patient's answer to an offer reached the case (follow-up reports the reply time per channel)."""

    DIGITAL = "digital", "Digitalt (patientens sidor)"
    POST = "post", "Post"
    TELEFON = "telefon", "Telefon"


class PatientMeddelande(models.Model):
    arende = models.ForeignKey("arenden.Arende", on_delete=models.CASCADE, related_name="patientmeddelanden")
    typ = models.CharField(max_length=24, choices=Meddelandetyp.choices)
    kanal = models.CharField(max_length=6, choices=Meddelandekanal.choices, default=Meddelandekanal.V1177)
    rubrik = models.CharField(max_length=200)
    # Escaped HTML (paragraphs), rendered once from the region's template: see arenden/patientkanal/mallar.py.
    text_html = models.TextField()
    skapad = models.DateTimeField(default=timezone.now)
    # When the 1177 notification (link and case reference only) was handed to the transport; empty: not notified.
    skickad = models.DateTimeField(null=True, blank=True)
    notis_id = models.CharField("notis-id", max_length=100, blank=True)

    class Meta:
        ordering = ["-skapad", "-id"]
        verbose_name = "meddelande till patienten"
        verbose_name_plural = "meddelanden till patienten"
        indexes = [models.Index(fields=["arende", "skapad"])]

    def __str__(self) -> str:
        return f"{self.arende_id}: {self.get_typ_display()}"

    @property
    def text(self) -> SafeString:
        return mark_safe(self.text_html)  # noqa: S308 – escaped when rendered (mallar.rendera)


class Patientinstallning(models.Model):
    """A region's settings for the patient channel; a region without a row uses the defaults."""

    region = models.OneToOneField(Region, on_delete=models.CASCADE, primary_key=True, related_name="+")
    post_efter_dagar = models.PositiveSmallIntegerField(
        "skicka per post efter (dagar)",
        default=POST_EFTER_DAGAR,
        help_text="Ett digitalt erbjudande utan svar efter så här många dagar ska skickas per post.",
    )
    kontakt = models.TextField(
        "kontaktuppgifter", blank=True, help_text="Vart patienten vänder sig med frågor (visas i {kontakt})."
    )
    reseregler = models.TextField(
        "regler för resor", blank=True, help_text="Regionens regler för sjukresor och ledsagare (visas i {resor})."
    )

    class Meta:
        verbose_name = "patientinställning"
        verbose_name_plural = "patientinställningar"

    def __str__(self) -> str:
        return f"{self.region_id}: post efter {self.post_efter_dagar} dagar"


class Patientmall(models.Model):
    """A region's wording of one confirmation: plain text with `{platshållare}` (mallar.PLATSHALLARE)."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    typ = models.CharField(max_length=24, choices=Meddelandetyp.choices)
    rubrik = models.CharField(max_length=200)
    text = models.TextField()
    andrad = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "patientmall"
        verbose_name_plural = "patientmallar"
        constraints = [models.UniqueConstraint(fields=["region", "typ"], name="uniq_patientmall_region_typ")]

    def __str__(self) -> str:
        return f"{self.region_id}: {self.get_typ_display()}"
