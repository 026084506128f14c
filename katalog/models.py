"""The provider catalogue: care providers, care units, KVÅ groups and what each unit offers."""

from django.db import models

from vardformedling.models import Region
from vardformedling.referensdata import ReferensQuerySet


class KvaGruppQuerySet(ReferensQuerySet):
    referensdata = "kva_grupper"

    def utan_namn(self):
        """Groups first seen in a register or catalogue file: accepted, and flagged for an administrator to name."""
        return self.filter(benamning="")


class KvaGrupp(models.Model):
    """A three-character KVÅ group (a care service). The list is data: new groups arrive in files."""

    kod = models.CharField(primary_key=True, max_length=3)
    benamning = models.CharField(max_length=200, blank=True)
    vardomrade = models.CharField(max_length=100, blank=True)
    register = models.CharField(max_length=10, blank=True, help_text="SPOR eller NCR")
    synonymer = models.CharField(
        max_length=500, blank=True, help_text="Vardagliga ord som söket känner igen, kommaseparerade (t.ex. grå starr)"
    )

    objects = KvaGruppQuerySet.as_manager()  # writes (bulk ones too) invalidate katalog.api.kva_grupper()

    class Meta:
        ordering = ["kod"]
        verbose_name = "KVÅ-grupp"

    def __str__(self) -> str:
        return f"{self.kod} {self.benamning}".strip()

    @property
    def vardagligt_namn(self) -> str:
        """The group in everyday words for patients: its first everyday word ("Grå starr", "Knäprotes"), else its
        name, else its code."""
        forsta = self.synonymer.split(",")[0].strip()
        return (forsta[:1].upper() + forsta[1:]) if forsta else (self.benamning or self.kod)


class Agarform(models.TextChoices):
    OFFENTLIG = "offentlig", "Offentlig"
    PRIVAT = "privat", "Privat"
    IDEBUREN = "ideburen", "Idéburen"


class KatalogQuerySet(ReferensQuerySet):
    """Providers, units and offerings: every write, bulk ones too, invalidates the search's cached offering of each
    KVÅ group (katalog.api.utbud_for_kva), so a deactivated unit is never proposed from a stale copy."""

    referensdata = "katalog"


class Vardgivare(models.Model):
    hsa_id = models.CharField("HSA-id", max_length=64, unique=True)
    orgnr = models.CharField("organisationsnummer", max_length=11, db_index=True)
    namn = models.CharField(max_length=200)
    agarform = models.CharField("ägarform", max_length=10, choices=Agarform.choices)

    objects = KatalogQuerySet.as_manager()

    class Meta:
        ordering = ["namn"]
        verbose_name = "vårdgivare"
        verbose_name_plural = "vårdgivare"

    def __str__(self) -> str:
        return self.namn


class VardenhetQuerySet(KatalogQuerySet):
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
    # The optional quality measure of issue #19 point 6 (the sixth part of the ranking; empty = "saknas").
    reoperation_andel = models.DecimalField(
        "reoperation inom två år (%)", max_digits=4, decimal_places=1, null=True, blank=True,
        help_text="Andel av patienterna som opererats om inom två år; tomt = uppgift saknas",
    )  # fmt: skip

    objects = KatalogQuerySet.as_manager()

    class Meta:
        ordering = ["vardenhet", "kva"]
        constraints = [models.UniqueConstraint(fields=["vardenhet", "kva"], name="uniq_vardutbud")]
        verbose_name = "vårdutbud"
        verbose_name_plural = "vårdutbud"

    def __str__(self) -> str:
        return f"{self.vardenhet} – {self.kva_id}"


class KatalogImport(models.Model):
    """One attempt to read a catalogue extract: who, when, which file (by checksum) and what changed."""

    class Status(models.TextChoices):
        GRANSKNING = "granskning", "Väntar på bekräftelse"
        KLAR = "klar", "Inläst"
        REDAN_INLAST = "redan_inlast", "Redan inläst"
        AVVISAD = "avvisad", "Avvisad"
        AVBRUTEN = "avbruten", "Avbruten"

    tidpunkt = models.DateTimeField(auto_now_add=True, db_index=True)
    importerad_av = models.ForeignKey(
        "vardformedling.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    filnamn = models.CharField(max_length=255)
    sha256 = models.CharField("kontrollsumma (SHA-256)", max_length=64, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    antal_rader = models.PositiveIntegerField(default=0)
    antal_nya = models.PositiveIntegerField(default=0)
    antal_andrade = models.PositiveIntegerField(default=0)
    antal_oforandrade = models.PositiveIntegerField(default=0)
    antal_inaktiverade = models.PositiveIntegerField(default=0)
    fel = models.JSONField(default=list, blank=True, help_text="Felmeddelanden när filen avvisades")
    # The upload page's preview (new, changed field by field, unchanged, to be deactivated) and the raw file, kept
    # only while the upload waits for confirmation, so confirming needs no re-upload.
    forhandsvisning = models.JSONField(default=dict, blank=True)
    innehall = models.BinaryField(default=b"", blank=True, editable=False)

    class Meta:
        ordering = ["-tidpunkt", "-id"]
        verbose_name = "katalogimport"
        verbose_name_plural = "katalogimporter"

    def __str__(self) -> str:
        return f"{self.filnamn} ({self.get_status_display()})"


class KapacitetsannonsQuerySet(models.QuerySet):
    def aktiva(self, idag=None):
        """Not withdrawn and not expired (giltig_till is the last valid day)."""
        from django.utils import timezone

        idag = idag or timezone.localdate()
        return self.filter(aterkallad=False, giltig_till__gte=idag)

    def erbjudanden(self):
        return self.filter(typ=Kapacitetsannons.Typ.ERBJUDER)


class Kapacitetsannons(models.Model):
    """A short-lived announcement: a unit offers capacity, or a region asks for it."""

    class Typ(models.TextChoices):
        ERBJUDER = "erbjuder", "Erbjuder kapacitet"
        EFTERFRAGAR = "efterfragar", "Efterfrågar kapacitet"

    typ = models.CharField(max_length=12, choices=Typ.choices)
    kva = models.ForeignKey(KvaGrupp, on_delete=models.PROTECT, related_name="kapacitetsannonser")
    antal = models.PositiveIntegerField("antal patienter/ingrepp")
    period = models.CharField(max_length=100, blank=True, help_text="Fritext, t.ex. v. 10–14")
    period_fran = models.DateField("period från", null=True, blank=True)
    period_till = models.DateField("period till", null=True, blank=True)
    villkor = models.TextField(blank=True)
    kontakt = models.CharField(max_length=200)
    giltig_till = models.DateField("visas till och med", db_index=True)
    skapad = models.DateTimeField(auto_now_add=True, db_index=True)
    skapad_av = models.ForeignKey("vardformedling.User", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    vardenhet = models.ForeignKey(Vardenhet, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    aterkallad = models.BooleanField("återkallad", default=False)
    aterkallad_tid = models.DateTimeField(null=True, blank=True)
    matchande_arenden = models.PositiveIntegerField(
        "öppna ärenden som passar", null=True, blank=True, help_text="Räknat när annonsen publicerades"
    )

    objects = KapacitetsannonsQuerySet.as_manager()

    class Meta:
        ordering = ["-skapad", "-id"]
        verbose_name = "kapacitetsannons"
        verbose_name_plural = "kapacitetsannonser"

    def __str__(self) -> str:
        return f"{self.get_typ_display()}: {self.antal} {self.kva_id}"

    @property
    def avsandare(self) -> str:
        if self.vardenhet:
            return self.vardenhet.namn
        return self.region.namn if self.region else ""
