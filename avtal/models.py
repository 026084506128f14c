"""Agreements (avtal) with their service lines, prices and volume caps."""

from django.db import models

from katalog.models import KvaGrupp, Vardenhet, Vardgivare
from vardformedling.models import Region


class Avtalstyp(models.TextChoices):
    UPPHANDLAT = "upphandlat", "Upphandlat"
    DIREKTUPPHANDLAT = "direktupphandlat", "Direktupphandlat"
    SAMVERKANSAVTAL = "samverkansavtal", "Samverkansavtal"
    EGEN_REGI = "egen_regi", "Egen regi"


class Avtal(models.Model):
    """One agreement, identified by the owning region's reference (diarienummer)."""

    avtalsagare = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="agda_avtal")
    avtal_id = models.CharField("avtals-id", max_length=64)
    vardgivare = models.ForeignKey(Vardgivare, on_delete=models.PROTECT, related_name="avtal")
    vardenheter = models.ManyToManyField(
        Vardenhet, blank=True, related_name="avtal", help_text="Tomt = alla vårdgivarens enheter"
    )
    avtalstyp = models.CharField(max_length=20, choices=Avtalstyp.choices)
    giltig_fran = models.DateField("giltigt från")
    giltig_till = models.DateField("giltigt till")
    forlangning_till = models.DateField("kan förlängas till", null=True, blank=True)
    far_nyttjas_av_alla = models.BooleanField("får nyttjas av alla regioner", default=False)
    far_nyttjas_av = models.ManyToManyField(Region, blank=True, related_name="nyttjningsbara_avtal")
    villkor = models.TextField(blank=True)
    kontakt = models.CharField(max_length=200, blank=True)
    andrad = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["avtalsagare", "avtal_id"]
        constraints = [models.UniqueConstraint(fields=["avtalsagare", "avtal_id"], name="uniq_avtal_per_agare")]
        verbose_name = "avtal"
        verbose_name_plural = "avtal"

    def __str__(self) -> str:
        return f"{self.avtal_id} ({self.avtalsagare_id})"


class Avtalsrad(models.Model):
    """One care service under an agreement: price, remuneration model and volume cap."""

    avtal = models.ForeignKey(Avtal, on_delete=models.CASCADE, related_name="rader")
    kva = models.ForeignKey(KvaGrupp, on_delete=models.PROTECT, related_name="avtalsrader")
    pris_kr = models.DecimalField("pris (kr)", max_digits=12, decimal_places=2, null=True, blank=True)
    ersattningsmodell = models.CharField("ersättningsmodell", max_length=100, blank=True)
    takvolym = models.PositiveIntegerField(null=True, blank=True, help_text="Tomt = inget tak")

    class Meta:
        ordering = ["avtal", "kva"]
        constraints = [models.UniqueConstraint(fields=["avtal", "kva"], name="uniq_avtalsrad")]
        verbose_name = "avtalsrad"
        verbose_name_plural = "avtalsrader"

    def __str__(self) -> str:
        return f"{self.avtal} – {self.kva_id}"
