"""Agreements (avtal) with their service lines, prices and volume caps."""

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest

from katalog.models import KvaGrupp, Vardenhet, Vardgivare
from vardformedling.models import Region

if TYPE_CHECKING:
    from avtal.views_samverkan import SamverkanForm


class Avtalstyp(models.TextChoices):
    UPPHANDLAT = "upphandlat", "Upphandlat"
    DIREKTUPPHANDLAT = "direktupphandlat", "Direktupphandlat"
    SAMVERKANSAVTAL = "samverkansavtal", "Samverkansavtal"
    EGEN_REGI = "egen_regi", "Egen regi"


class Reservationsstatus(models.TextChoices):
    RESERVERAD = "reserverad", "Reserverad"
    FORBRUKAD = "forbrukad", "Förbrukad"
    SLAPPT = "slappt", "Släppt"


AKTIVA_STATUSAR = (Reservationsstatus.RESERVERAD, Reservationsstatus.FORBRUKAD)


def _omfattar_enhet(enhet) -> Q:
    """The agreement (the outer query's row) names the unit `enhet` (an id or an OuterRef), or names no unit."""
    namngivna = Avtal.vardenheter.through.objects.filter(avtal_id=OuterRef("pk"))
    return Q(Exists(namngivna.filter(vardenhet_id=enhet))) | ~Q(Exists(namngivna))


class AvtalQuerySet(models.QuerySet):
    def giltiga(self, datum):
        """Agreements valid on `datum` (both ends inclusive)."""
        return self.filter(giltig_fran__lte=datum, giltig_till__gte=datum)

    def upphor_inom(self, datum, dagar: int = 60):
        """Valid on `datum` and ending within `dagar` days."""
        return self.giltiga(datum).filter(giltig_till__lte=datum + timedelta(days=dagar))

    def upphorda(self, datum):
        return self.filter(giltig_till__lt=datum)

    def nyttjbara_av(self, region_kod: str):
        """Usable by a region: it owns the agreement, everyone may use it, or the region is named."""
        namngiven = Avtal.far_nyttjas_av.through.objects.filter(avtal_id=OuterRef("pk"), region_id=region_kod)
        return self.filter(Q(avtalsagare_id=region_kod) | Q(far_nyttjas_av_alla=True) | Exists(namngiven))

    def omfattar(self, vardenhet):
        """Agreements that cover the unit – the rule, written once: the agreement is with the unit's provider and
        either names no units (then it covers all the provider's units) or names this one."""
        return self.filter(vardgivare_id=vardenhet.vardgivare_id).filter(_omfattar_enhet(vardenhet.pk))

    def omfattade_enheter(self, vardenhet_ids=None):
        """(agreement pk, unit id) for every unit each agreement covers, by the rule of `omfattar`; one query.
        `vardenhet_ids` narrows the units (None = all)."""
        qs = self.annotate(omfattad_enhet=F("vardgivare__vardenheter__id")).filter(omfattad_enhet__isnull=False)
        if vardenhet_ids is not None:  # ids, or a subquery of them (sent as SQL, not as a list)
            ids = vardenhet_ids if isinstance(vardenhet_ids, models.QuerySet) else list(vardenhet_ids)
            qs = qs.filter(omfattad_enhet__in=ids)
        return qs.filter(_omfattar_enhet(OuterRef("omfattad_enhet"))).order_by().values_list("pk", "omfattad_enhet")


def _kvar(hallet):
    """Volume left on a line given the units held (used + reserved): None without a cap, never below 0."""
    return Case(
        When(takvolym__isnull=True, then=Value(None)),
        default=Greatest(F("takvolym") - hallet, Value(0)),
        output_field=models.IntegerField(),
    )


class AvtalsradQuerySet(models.QuerySet):
    def med_volym(self):
        """Annotates `used` (consumed in the portal + reported from outside it), `used_portal`, `rapporterat`,
        `reserved` and `left` (None without a cap, never below 0) in the database."""
        used = Count("reservationer", filter=Q(reservationer__status=Reservationsstatus.FORBRUKAD))
        reserved = Count("reservationer", filter=Q(reservationer__status=Reservationsstatus.RESERVERAD))
        return (
            self.annotate(used_portal=used, reserved=reserved, rapporterat=rapporterat_summa(OuterRef("pk")))
            .annotate(used=F("used_portal") + F("rapporterat"))
            .annotate(left=_kvar(F("used") + F("reserved")))
        )

    def med_kvar(self):
        """Annotates only `left`, as `med_volym`, with the held volume read by a correlated subquery per line on the
        (rad, status) index instead of a join to every reservation and a GROUP BY: the search's form (issue 15 point
        8), which needs no other figure. Evaluated only for capped lines."""
        aktiva = (
            Volymreservation.objects.filter(rad=OuterRef("pk"), status__in=AKTIVA_STATUSAR)
            .order_by()
            .values("rad")
            .annotate(n=Count("pk"))
            .values("n")
        )
        hallet = Coalesce(Subquery(aktiva, output_field=models.IntegerField()), Value(0))
        return self.annotate(left=_kvar(hallet + rapporterat_summa(OuterRef("pk"))))

    def nyttjbara_av(self, region_kod: str):
        namngiven = Avtal.far_nyttjas_av.through.objects.filter(avtal_id=OuterRef("avtal_id"), region_id=region_kod)
        return self.filter(Q(avtal__avtalsagare_id=region_kod) | Q(avtal__far_nyttjas_av_alla=True) | Exists(namngiven))

    def giltiga(self, datum):
        """Lines of agreements valid on `datum` (both ends inclusive)."""
        return self.filter(avtal__giltig_fran__lte=datum, avtal__giltig_till__gte=datum)

    def omfattar(self, vardenhet):
        """Lines of agreements that cover the unit (AvtalQuerySet.omfattar)."""
        return self.filter(avtal__in=Avtal.objects.omfattar(vardenhet))

    def anvandbara(self, *, region_kod: str, datum, vardenhet=None):
        """Usable lines – the rule, written once: of an agreement valid on `datum` that `region_kod` may use and, when
        a unit is given, that covers `vardenhet` (its provider's agreement). The search, the offer form and the
        offer service all ask this."""
        qs = self.giltiga(datum).nyttjbara_av(region_kod)
        return qs.omfattar(vardenhet) if vardenhet is not None else qs

    def med_hinder(self, *, region_kod: str, datum, vardenhet):
        """Annotates why each line is not `anvandbara` for that region, day and unit, by the same three rules:
        `ej_giltig`, `ej_nyttjbar`, `ej_omfattar` (booleans; all False = usable)."""
        alla = Avtalsrad.objects.all()

        def utanfor(qs):
            return ~Exists(qs.filter(pk=OuterRef("pk")))

        return self.annotate(
            ej_giltig=utanfor(alla.giltiga(datum)),
            ej_nyttjbar=utanfor(alla.nyttjbara_av(region_kod)),
            ej_omfattar=utanfor(alla.omfattar(vardenhet)),
        )


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
    kontakt = models.CharField(max_length=200, blank=True)
    andrad = models.DateTimeField(auto_now=True)

    objects = AvtalQuerySet.as_manager()

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
    # Conditions for receiving patients belong to the care service (KATALOG_AVTAL.md: `villkor` is per line):
    # a cataract line may exclude anaesthesia while a lens-exchange line of the same agreement does not.
    villkor = models.TextField(blank=True)
    # The cooperation checklist (issue #19 point 5), kept by the owning region and shown on the agreement, on offers
    # and to the receiving unit.
    vardsteg = models.TextField(
        "vårdsteg som ingår", blank=True, help_text="T.ex. preoperativt besök, operation, återbesök, röntgen"
    )
    resultat_ges_av = models.CharField("vem ger patienten resultatet", max_length=200, blank=True)
    avvikelser_rapporteras = models.TextField("hur avvikelser rapporteras", blank=True)
    kontaktvagar = models.TextField("kontaktvägar", blank=True)

    objects = AvtalsradQuerySet.as_manager()
    # Not fields: `med_volym()` annotates these (`_volym` falls back to queries without them), and the agreement page
    # sets `samverkan_form` on the lines it shows (views.detalj_context).
    used: int
    reserved: int
    samverkan_form: "SamverkanForm"

    class Meta:
        ordering = ["avtal", "kva"]
        constraints = [models.UniqueConstraint(fields=["avtal", "kva"], name="uniq_avtalsrad")]
        verbose_name = "avtalsrad"
        verbose_name_plural = "avtalsrader"

    def __str__(self) -> str:
        return f"{self.avtal} – {self.kva_id}"

    @property
    def har_samverkan(self) -> bool:
        return any((self.vardsteg, self.resultat_ges_av, self.avvikelser_rapporteras, self.kontaktvagar))

    def _volym(self) -> dict:
        """Used (consumed in the portal + reported from outside it) and reserved units: from `med_volym()`
        annotations when present, else two queries."""
        if hasattr(self, "used") and hasattr(self, "reserved"):
            return {"used": self.used, "reserved": self.reserved}
        counts = dict(
            self.reservationer.filter(status__in=AKTIVA_STATUSAR).values_list("status").annotate(n=Count("id"))
        )
        rapporterat = self.rapporterad_volym.aggregate(s=Sum("antal"))["s"] or 0
        return {
            "used": counts.get(Reservationsstatus.FORBRUKAD, 0) + rapporterat,
            "reserved": counts.get(Reservationsstatus.RESERVERAD, 0),
        }

    @property
    def forbrukat(self) -> int:
        return self._volym()["used"]

    @property
    def reserverat(self) -> int:
        return self._volym()["reserved"]

    def takvolym_kvar(self) -> int | None:
        """Volume left on the line: cap − reserved − consumed (never below 0); None when there is no cap."""
        if self.takvolym is None:
            return None
        v = self._volym()
        return max(self.takvolym - v["used"] - v["reserved"], 0)

    @property
    def kvar(self) -> int | None:
        return self.takvolym_kvar()

    @property
    def ersattningsmodell_text(self) -> str:
        """The remuneration model in words ("per åtgärd"), never the file's code."""
        from avtal.api import ersattning_text

        return ersattning_text(self.ersattningsmodell)

    @property
    def andel_procent(self) -> int | None:
        """Share of the cap taken (reserved + consumed), whole percent capped at 100; None without a cap."""
        if not self.takvolym:
            return None
        v = self._volym()
        return min(round(100 * (v["used"] + v["reserved"]) / self.takvolym), 100)

    @property
    def bar_used(self) -> int:
        if not self.takvolym:
            return 0
        return min(round(100 * self._volym()["used"] / self.takvolym), 100)

    @property
    def bar_reserved(self) -> int:
        if not self.takvolym:
            return 0
        return min(round(100 * self._volym()["reserved"] / self.takvolym), 100 - self.bar_used)


class Volymreservation(models.Model):
    """One unit of an agreement line's volume held by a case (referens = the case ID).

    A case reserves when the patient accepts an offer, consumes when care is performed, and releases
    when the offer is withdrawn. Uploads never touch these rows: used volume survives every upload.
    """

    rad = models.ForeignKey(Avtalsrad, on_delete=models.PROTECT, related_name="reservationer")
    referens = models.CharField("ärende", max_length=40, db_index=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="volymreservationer")
    status = models.CharField(max_length=12, choices=Reservationsstatus.choices, default=Reservationsstatus.RESERVERAD)
    skapad = models.DateTimeField(auto_now_add=True)
    andrad = models.DateTimeField(auto_now=True)
    av = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-skapad"]
        constraints = [
            models.UniqueConstraint(
                fields=["rad", "referens"],
                condition=Q(status__in=["reserverad", "forbrukad"]),
                name="uniq_aktiv_reservation",
            )
        ]
        # Volume per line (search, agreement page) aggregates active reservations per line.
        indexes = [models.Index(fields=["region", "skapad"]), models.Index(fields=["rad", "status"])]
        verbose_name = "volymreservation"
        verbose_name_plural = "volymreservationer"

    def __str__(self) -> str:
        return f"{self.referens} på {self.rad} ({self.status})"


def rapporterat_summa(rad):
    """The volume reported from outside the portal on the line `rad` (an id or an OuterRef), 0 when none."""
    summa = RapporteradVolym.objects.filter(rad_id=rad).order_by().values("rad_id").annotate(s=Sum("antal")).values("s")
    return Coalesce(Subquery(summa, output_field=models.IntegerField()), Value(0))


class RapporteradVolym(models.Model):
    """Volume used outside the portal on an agreement line: patients of one region in one month, as reported by the
    owning region or the provider's receiving unit. One figure per (line, region, month); a new report of the same
    month and region replaces it. Counts as used volume (`med_volym`, `volym_reservera`)."""

    rad = models.ForeignKey(Avtalsrad, on_delete=models.PROTECT, related_name="rapporterad_volym")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="patienternas region")
    manad = models.DateField("månad", help_text="Första dagen i månaden")
    antal = models.PositiveIntegerField()
    kommentar = models.CharField(max_length=500, blank=True)
    rapporterad_av = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uppdrag = models.CharField("rapporterat i uppdrag", max_length=200, blank=True)
    via = models.CharField(max_length=12, default="formular", help_text="formular, fil eller api")
    andrad = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rad", "manad", "region"]
        constraints = [
            models.UniqueConstraint(fields=["rad", "region", "manad"], name="uniq_rapporterad_volym_per_manad"),
            models.CheckConstraint(condition=Q(manad__day=1), name="rapporterad_volym_manad_forsta_dagen"),
        ]
        verbose_name = "rapporterad volym"
        verbose_name_plural = "rapporterade volymer"

    def __str__(self) -> str:
        return f"{self.rad}: {self.antal} ({self.region_id}, {self.manad:%Y-%m})"


class Troskelpassering(models.Model):
    """A line passed 80, 95 or 100 % of its cap: written once per (line, threshold), so each notice goes out once."""

    rad = models.ForeignKey(Avtalsrad, on_delete=models.CASCADE, related_name="troskelpasseringar")
    grans = models.PositiveSmallIntegerField("gräns (%)")
    passerad = models.DateTimeField(auto_now_add=True)
    regioner = models.JSONField("underrättade regioner", default=list)

    class Meta:
        ordering = ["rad", "grans"]
        constraints = [models.UniqueConstraint(fields=["rad", "grans"], name="uniq_troskel_per_rad")]
        verbose_name = "tröskelpassering"
        verbose_name_plural = "tröskelpasseringar"

    def __str__(self) -> str:
        return f"{self.rad} {self.grans} %"


class Leveransplan(models.Model):
    """One week of a delivery plan (issue #19 point 3): the number of patients a region – or the national coordination
    (`planerad_av` empty) – plans to send to a provider, or one of its units, for a KVÅ group in an ISO week,
    optionally only from one sending region. One figure per (planner, provider, unit, group, week, sending region);
    a new figure replaces it (`leveransplan_spara`)."""

    planerad_av = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="planerande region",
        help_text="Tom = nationell samordning",
    )
    vardgivare = models.ForeignKey(Vardgivare, on_delete=models.PROTECT, related_name="leveransplaner")
    vardenhet = models.ForeignKey(
        Vardenhet,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leveransplaner",
        help_text="Tom = hela vårdgivaren",
    )
    kva = models.ForeignKey(KvaGrupp, on_delete=models.PROTECT, related_name="leveransplaner")
    vecka = models.DateField(help_text="Måndagen i ISO-veckan")
    sandande_region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="sändande region",
        help_text="Tom = alla regioner",
    )
    antal = models.PositiveIntegerField("planerat antal patienter")
    andrad_av = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    via = models.CharField(max_length=12, default="formular", help_text="formular eller fil")
    andrad = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["vecka", "vardgivare", "kva"]
        constraints = [
            # Empty planner, unit or sending region are values of the key too ("national", "whole provider", "all"):
            # coalesced, so the index treats them as equal on PostgreSQL and SQLite alike.
            models.UniqueConstraint(
                Coalesce("planerad_av", Value("")),
                "vardgivare",
                Coalesce("vardenhet", Value(0)),
                "kva",
                "vecka",
                Coalesce("sandande_region", Value("")),
                name="uniq_leveransplan_per_vecka",
            ),
            models.CheckConstraint(condition=Q(vecka__iso_week_day=1), name="leveransplan_vecka_mandag"),
        ]
        indexes = [models.Index(fields=["vardgivare", "vecka"]), models.Index(fields=["planerad_av", "vecka"])]
        verbose_name = "leveransplan"
        verbose_name_plural = "leveransplaner"

    def __str__(self) -> str:
        return f"{self.vardgivare_id} {self.kva_id} {self.vecka}: {self.antal}"


# --- Upload record ------------------------------------------------------------------------------------------


class Uppladdningsstatus(models.TextChoices):
    MOTTAGEN = "mottagen", "Mottagen, kontrolleras"
    AVVISAD = "avvisad", "Avvisad"
    GRANSKNING = "granskning", "Väntar på bekräftelse"
    AVBRUTEN = "avbruten", "Avbruten"
    TILLAMPAR = "tillampar", "Tillämpas"
    TILLAMPAD = "tillampad", "Tillämpad"
    MISSLYCKAD = "misslyckad", "Misslyckades"


class AvtalsUppladdning(models.Model):
    """Every agreement upload: who, when, which file (checksum), what it would change and what it did."""

    anvandare = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    skapad = models.DateTimeField(auto_now_add=True)
    klar = models.DateTimeField(null=True, blank=True)
    filnamn = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    storlek = models.PositiveIntegerField(default=0)
    antal_rader = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Uppladdningsstatus.choices, default=Uppladdningsstatus.MOTTAGEN)
    progress = models.PositiveSmallIntegerField(default=0)
    antal_nya = models.PositiveIntegerField(default=0)
    antal_andrade = models.PositiveIntegerField(default=0)
    antal_oforandrade = models.PositiveIntegerField(default=0)
    antal_saknade = models.PositiveIntegerField(default=0)
    fel = models.JSONField(default=list, blank=True)
    forhandsvisning = models.JSONField(default=dict, blank=True)
    # The raw file, kept only until it is applied or rejected, so confirming never needs a re-upload
    # and a Celery worker on another host can read it.
    innehall = models.BinaryField(default=b"", blank=True, editable=False)
    kommandorad = models.BooleanField(default=False)

    class Meta:
        ordering = ["-skapad"]
        verbose_name = "avtalsuppladdning"
        verbose_name_plural = "avtalsuppladdningar"

    def __str__(self) -> str:
        return f"{self.filnamn} ({self.get_status_display()})"

    @property
    def pagar(self) -> bool:
        return self.status in {Uppladdningsstatus.MOTTAGEN, Uppladdningsstatus.TILLAMPAR}
