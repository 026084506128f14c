"""The provider catalogue: care providers, care units, KVÅ groups and what each unit offers."""

from django.db import models

from vardformedling.models import Region


class KvaGrupp(models.Model):
    """A three-character KVÅ group (a care service). The list is data: new groups arrive in files."""

    kod = models.CharField(primary_key=True, max_length=3)
    benamning = models.CharField(max_length=200, blank=True)
    vardomrade = models.CharField(max_length=100, blank=True)
    register = models.CharField(max_length=10, blank=True, help_text="SPOR eller NCR")

    class Meta:
        ordering = ["kod"]
        verbose_name = "KVÅ-grupp"

    def __str__(self) -> str:
        return f"{self.kod} {self.benamning}".strip()


class Agarform(models.TextChoices):
    OFFENTLIG = "offentlig", "Offentlig"
    PRIVAT = "privat", "Privat"
    IDEBUREN = "ideburen", "Idéburen"


class Vardgivare(models.Model):
    hsa_id = models.CharField("HSA-id", max_length=64, unique=True)
    orgnr = models.CharField("organisationsnummer", max_length=11, db_index=True)
    namn = models.CharField(max_length=200)
    agarform = models.CharField("ägarform", max_length=10, choices=Agarform.choices)

    class Meta:
        ordering = ["namn"]
        verbose_name = "vårdgivare"
        verbose_name_plural = "vårdgivare"

    def __str__(self) -> str:
        return self.namn


class VardenhetQuerySet(models.QuerySet):
    def aktiva(self):
        return self.filter(aktiv=True)


class Vardenhet(models.Model):
    """A care unit. Units first seen in a register file have no provider until the catalogue arrives."""

    class Kalla(models.TextChoices):
        KATALOG = "katalog", "Nationell katalog"
        REGISTER = "register", "Känd från register"

    hsa_id = models.CharField("HSA-id", max_length=64, unique=True)
    namn = models.CharField(max_length=200)
    vardgivare = models.ForeignKey(
        Vardgivare, on_delete=models.PROTECT, null=True, blank=True, related_name="vardenheter"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="vardenheter")
    kommun = models.CharField(max_length=100, blank=True)
    adress = models.CharField(max_length=200, blank=True)
    postnummer = models.CharField(max_length=10, blank=True)
    ort = models.CharField(max_length=100, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    telefon = models.CharField(max_length=50, blank=True)
    epost = models.CharField(max_length=200, blank=True)
    aktiv = models.BooleanField(default=True)
    kalla = models.CharField("källa", max_length=10, choices=Kalla.choices, default=Kalla.KATALOG)

    objects = VardenhetQuerySet.as_manager()

    class Meta:
        ordering = ["namn"]
        verbose_name = "vårdenhet"
        verbose_name_plural = "vårdenheter"

    def __str__(self) -> str:
        return self.namn


class Vardutbud(models.Model):
    """What a unit offers for one KVÅ group, and the patients it can take."""

    vardenhet = models.ForeignKey(Vardenhet, on_delete=models.CASCADE, related_name="vardutbud")
    kva = models.ForeignKey(KvaGrupp, on_delete=models.PROTECT, related_name="vardutbud")
    max_asa = models.PositiveSmallIntegerField("högsta ASA-klass", default=2)
    narkos = models.BooleanField("kan operera i narkos", default=False)
    tar_emot_andra_regioner = models.BooleanField("tar emot patienter från andra regioner", default=True)

    class Meta:
        ordering = ["vardenhet", "kva"]
        constraints = [models.UniqueConstraint(fields=["vardenhet", "kva"], name="uniq_vardutbud")]
        verbose_name = "vårdutbud"
        verbose_name_plural = "vårdutbud"

    def __str__(self) -> str:
        return f"{self.vardenhet} – {self.kva_id}"
