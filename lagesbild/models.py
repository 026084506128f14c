"""The lägesbild: register deliveries (SPOR, NCR, Väntetidsdatabasen), their figures and every import run.

Retention: pages show the latest SPOR/NCR delivery per source, so when a delivery with a newer uttagsdatum
arrives, the figure rows of older deliveries of that source are removed (their `Leverans` row stays as history,
with its checksum): on PostgreSQL their partitions are dropped right after the import commits (readers already
read the new delivery), elsewhere they are deleted in the import's transaction. The figure table therefore
holds one delivery per source, which keeps it bounded at national scale (~100 KVÅ × 3,000 units × 21 periods).
Väntetidsdatabasen rows are a monthly series: every month is kept; a delivery dated the same or later replaces
the months it contains.
"""

from datetime import date

from django.db import models

from katalog.models import KvaGrupp, Vardenhet
from vardformedling.models import Region
from vardformedling.referensdata import ReferensQuerySet


class Kalla(models.TextChoices):
    SPOR = "SPOR", "SPOR"
    NCR = "NCR", "NCR"
    VANTETIDER = "VANTETIDER", "Väntetidsdatabasen"


# A source is stale when its latest delivery is older than this many days (REGISTER_FILES.md).
MAX_ALDER_DAGAR = {Kalla.SPOR: 3, Kalla.NCR: 3, Kalla.VANTETIDER: 45}


class ImportStatus(models.TextChoices):
    PAGAR = "pagar", "Pågår"
    KLAR = "klar", "Inläst"
    REDAN_INLAST = "redan_inlast", "Redan inläst"
    AVVISAD = "avvisad", "Avvisad"
    MISSLYCKAD = "misslyckad", "Misslyckad"


class ImportRunQuerySet(models.QuerySet):
    def senaste(self):
        return self.order_by("-startad", "-id")


class ImportRun(models.Model):
    """One attempt to import one file, whatever the outcome (who/what started it, errors, duration)."""

    kalla = models.CharField("källa", max_length=10, choices=Kalla.choices, blank=True)
    filnamn = models.CharField(max_length=255, help_text="Filens namn (utan sökväg)")
    checksumma = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.PAGAR)
    rader = models.PositiveIntegerField(default=0)
    fel = models.JSONField(default=list, blank=True, help_text="[{rad, kolumn, meddelande}]")
    meddelande = models.TextField(blank=True)
    startad = models.DateTimeField(auto_now_add=True)
    klar = models.DateTimeField(null=True, blank=True)
    varaktighet = models.DurationField(null=True, blank=True)
    startad_av = models.CharField(max_length=64, help_text="HSA-id, 'beat', 'kommando' eller 'uppladdning'")
    uttagsdatum = models.DateField(null=True, blank=True)
    fil_gallrad = models.DateTimeField(
        "filen gallrad", null=True, blank=True, help_text="När den levererade filen togs bort ur arkivet (gallring)"
    )

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        ordering = ["-startad", "-id"]
        verbose_name = "importkörning"
        verbose_name_plural = "importkörningar"

    def __str__(self) -> str:
        return f"{self.filnamn} ({self.get_status_display()})"

    @property
    def lyckad(self) -> bool:
        return self.status in {ImportStatus.KLAR, ImportStatus.REDAN_INLAST}


class LeveransQuerySet(ReferensQuerySet["Leverans"]):
    referensdata = "leveranser"  # writes invalidate lagesbild.api.senaste_leveranser()

    def senaste_per_kalla(self) -> dict[str, "Leverans"]:
        """The newest delivery of each source (one query)."""
        result: dict[str, Leverans] = {}
        for lev in self.order_by("kalla", "-uttagsdatum", "-id"):
            result.setdefault(lev.kalla, lev)
        return result


class Leverans(models.Model):
    """One complete delivery of a source for one date. A newer file for the same date replaces it."""

    kalla = models.CharField("källa", max_length=10, choices=Kalla.choices)
    uttagsdatum = models.DateField(help_text="Uttagsdatum; för Väntetidsdatabasen sista dagen i senaste månaden")
    checksumma = models.CharField(max_length=64)
    import_run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rader = models.PositiveIntegerField(default=0)
    inlast = models.DateTimeField(auto_now_add=True)

    objects = LeveransQuerySet.as_manager()

    class Meta:
        ordering = ["kalla", "-uttagsdatum"]
        constraints = [models.UniqueConstraint(fields=["kalla", "uttagsdatum"], name="uniq_leverans_kalla_datum")]
        verbose_name = "leverans"
        verbose_name_plural = "leveranser"

    def __str__(self) -> str:
        return f"{self.get_kalla_display()} {self.uttagsdatum}"


class MatvardeQuerySet(models.QuerySet):
    def for_leveranser(self, leveranser):
        return self.filter(leverans_id__in=[lev.pk for lev in leveranser])

    def enheter(self):
        return self.filter(vardenhet__isnull=False)

    def regiontotaler(self):
        return self.filter(vardenhet__isnull=True, region__isnull=False)

    def riket(self):
        return self.filter(vardenhet__isnull=True, region__isnull=True)

    def manader(self):
        return self.filter(matperiod__regex=r"^[0-9]{4}-[0-9]{2}$")


class Matvarde(models.Model):
    """One figure of a SPOR/NCR delivery: a unit (or the register's region/national total) × KVÅ × period × urval.

    `region` NULL with `vardenhet` NULL is the national total (region code 00); `vardenhet` NULL alone is the
    register's own total for the region. Suppressed figures (`<5`) keep `antal` NULL and `undertryckt` True.
    """

    # Bulk-loaded only by the importer, which has validated every reference: no per-row FK triggers and no
    # single-column FK indexes (the composite indexes below cover the reads), so a national delivery loads fast.
    # On PostgreSQL the table is LIST-partitioned by leverans (migration 0003): a delivery is COPYed into its own
    # unindexed table, indexed in one sorted build and attached; an old delivery goes with DROP TABLE, not DELETE.
    leverans = models.ForeignKey(
        Leverans, on_delete=models.CASCADE, related_name="matvarden", db_constraint=False, db_index=False
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    vardenhet = models.ForeignKey(
        Vardenhet,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    kva = models.ForeignKey(
        KvaGrupp, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    matperiod = models.CharField(max_length=7, help_text="30d, 90d, 365d eller YYYY-MM")
    urval = models.CharField(max_length=10, default="alla", help_text="SPOR: prioritet, NCR: anestesi")
    antal = models.PositiveIntegerField(null=True, blank=True)
    undertryckt = models.BooleanField(default=False)
    median = models.PositiveIntegerField(null=True, blank=True)
    p90 = models.PositiveIntegerField(null=True, blank=True)
    andel_inom_90 = models.FloatField(null=True, blank=True)
    andel_asa_3_4 = models.FloatField(null=True, blank=True)

    objects = MatvardeQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["kva", "matperiod", "urval", "leverans"], name="matvarde_kva_period_urval"),
            models.Index(fields=["vardenhet", "kva"], name="matvarde_enhet_kva"),
        ]
        verbose_name = "mätvärde"
        verbose_name_plural = "mätvärden"

    def __str__(self) -> str:
        return f"{self.kva_id} {self.matperiod} {self.urval}"


class Typ(models.TextChoices):
    BESOK = "besok", "Första besök"
    ATGARD = "atgard", "Operation/åtgärd"


class VantetidManadQuerySet(models.QuerySet):
    def riket(self):
        return self.filter(region__isnull=True)


class VantetidManad(models.Model):
    """Väntetidsdatabasen: patients waiting at month end, per region (NULL = whole country, code 00).

    A count is NULL exactly where the file says `<5` (suppressed; an empty count is rejected): it is shown as
    "färre än 5" and never computed with.
    """

    leverans = models.ForeignKey(Leverans, on_delete=models.CASCADE, related_name="vantetider")
    manad = models.DateField(help_text="Första dagen i månaden")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    typ = models.CharField(max_length=6, choices=Typ.choices)
    vardomrade = models.CharField("vårdområde", max_length=100)
    antal_vantande = models.PositiveIntegerField(null=True, blank=True, help_text="NULL: <5 (undertryckt)")
    antal_vantande_over_90 = models.PositiveIntegerField(null=True, blank=True, help_text="NULL: <5 (undertryckt)")
    antal_nytillkomna = models.PositiveIntegerField(null=True, blank=True, help_text="NULL: <5 (undertryckt)")
    antal_genomforda = models.PositiveIntegerField(null=True, blank=True, help_text="NULL: <5 (undertryckt)")

    objects = VantetidManadQuerySet.as_manager()

    class Meta:
        ordering = ["manad", "region", "typ", "vardomrade"]
        indexes = [models.Index(fields=["region", "typ", "vardomrade", "manad"], name="vantetid_region_typ")]
        verbose_name = "väntetid per månad"
        verbose_name_plural = "väntetider per månad"

    def __str__(self) -> str:
        return f"{self.manad_text} {self.region_id or '00'} {self.typ} {self.vardomrade}"

    @property
    def andel_inom_garanti(self) -> float | None:
        """Share within the guarantee = 1 − over 90 / waiting (REGISTER_FILES.md), in percent; None when either
        count is suppressed (`<5`) or nobody is waiting."""
        if not self.antal_vantande or self.antal_vantande_over_90 is None:
            return None
        return 100.0 * (1 - self.antal_vantande_over_90 / self.antal_vantande)

    @property
    def manad_text(self) -> str:
        return self.manad.strftime("%Y-%m")


def manad_start(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)


class PrognosQuerySet(ReferensQuerySet["Prognos"]):
    referensdata = "prognoser"  # bulk writes (the nightly run) invalidate the search's cached forecasts


class Prognos(models.Model):
    """A unit's forecast of the monthly median wait for one KVÅ group and register, 1–3 months ahead with an 80 %
    interval, from the nightly run (lagesbild.prognos). Rows where a naive forecast did as well keep the reason."""

    vardenhet = models.ForeignKey(Vardenhet, on_delete=models.CASCADE, related_name="+")
    kva = models.ForeignKey(KvaGrupp, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    kalla = models.CharField("källa", max_length=10, choices=Kalla.choices)
    grundmanad = models.CharField("senaste månad i historiken", max_length=7)
    metod = models.CharField(
        max_length=10,
        blank=True,
        choices=[("naiv", "naiv prognos"), ("sasong", "säsongsnaiv prognos"), ("holt", "Holts metod med dämpad trend")],
    )
    visas = models.BooleanField(default=False)
    skal = models.TextField("skäl", help_text="Varför prognosen visas eller inte")
    mae = models.JSONField(default=dict, help_text="Metod → medelabsolutfel (dagar) tre månader fram i backtest")
    punkter = models.JSONField(default=list, help_text='[{"manad", "median", "lag", "hog"}], 80 % intervall')
    beraknad = models.DateTimeField(auto_now=True)

    objects = PrognosQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vardenhet", "kva", "kalla"], name="uniq_prognos")]
        indexes = [models.Index(fields=["kva", "visas"], name="prognos_kva_visas")]
        verbose_name = "prognos"
        verbose_name_plural = "prognoser"

    def __str__(self) -> str:
        return f"{self.vardenhet_id} {self.kva_id} {self.kalla} ({self.metod or 'ingen'})"
