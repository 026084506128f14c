"""Shared reference data and the user model: users with SITHS HSA-ids and commissions."""

from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models

from vardformedling.referensdata import ReferensQuerySet


class RegionQuerySet(ReferensQuerySet):
    referensdata = "regioner"


class Region(models.Model):
    """One of the 21 regions, keyed by its two-digit county code."""

    kod = models.CharField(primary_key=True, max_length=2)
    namn = models.CharField(max_length=100)
    sjukvardsregion = models.CharField(max_length=50)
    orgnr = models.CharField(max_length=11)
    residensstad = models.CharField(max_length=50)
    lat = models.FloatField()
    lon = models.FloatField()
    vardgaranti_dagar = models.PositiveSmallIntegerField(
        default=90, help_text="Regionens vårdgaranti för behandling (dagar), t.ex. 60 i Halland."
    )
    vardformedling_telefon = models.CharField(
        "vårdförmedlingens telefon",
        max_length=30,
        blank=True,
        help_text="Numret patienterna ringer för att svara på ett erbjudande; står i erbjudandebrevet.",
    )

    objects = RegionQuerySet.as_manager()  # writes invalidate vardformedling.referensdata.regioner()

    class Meta:
        ordering = ["kod"]

    def __str__(self) -> str:
        return f"{self.kod} {self.namn}"

    def vardgaranti_datum(self, beslutsdatum: date) -> date:
        """The last day of the care guarantee: the decision date + the region's guarantee (90 days; Halland 60)."""
        return beslutsdatum + timedelta(days=self.vardgaranti_dagar)

    @staticmethod
    def normalise_kod(value: str) -> str:
        """Register files may write `1` for `01`."""
        value = (value or "").strip()
        return value.zfill(2) if value.isascii() and value.isdigit() and len(value) <= 2 else value


class Roll(models.TextChoices):
    VARDLOTS = "vardlots", "Vårdlots"
    KOORDINATOR = "koordinator", "Koordinator"
    ADMINISTRATOR = "administrator", "Administratör"
    MOTTAGARE = "mottagare", "Mottagande enhet"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, hsa_id: str, namn: str = "", **extra):
        user = self.model(hsa_id=hsa_id, namn=namn, **extra)
        user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, hsa_id: str, namn: str = "", password=None, **extra):
        user = self.create_user(hsa_id, namn, is_staff=True, is_superuser=True, **extra)
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A member of staff, identified by the HSA-id on their SITHS card. No passwords: the IdP signs in."""

    hsa_id = models.CharField("HSA-id", max_length=64, unique=True)
    namn = models.CharField(max_length=200)
    epost = models.EmailField("e-post", blank=True, help_text="Dit notiser skickas (takvolym, kapacitet).")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    skapad = models.DateTimeField(auto_now_add=True)

    USERNAME_FIELD = "hsa_id"
    REQUIRED_FIELDS = ["namn"]
    objects = UserManager()

    class Meta:
        ordering = ["namn"]

    def __str__(self) -> str:
        return f"{self.namn} ({self.hsa_id})"

    def get_full_name(self) -> str:
        return self.namn

    def get_short_name(self) -> str:
        return self.namn.split(" ")[0] if self.namn else self.hsa_id


class Medarbetaruppdrag(models.Model):
    """A commission: the role a user acts in, for a region and optionally a care unit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="uppdrag")
    roll = models.CharField(max_length=20, choices=Roll.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, help_text="Tom = nationell")
    vardenhet = models.ForeignKey(
        "katalog.Vardenhet", on_delete=models.PROTECT, null=True, blank=True, related_name="uppdrag"
    )
    namn = models.CharField(max_length=200, blank=True, help_text="Uppdragets namn som det visas")

    class Meta:
        ordering = ["user", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "roll", "region", "vardenhet"], name="uniq_uppdrag"),
        ]

    def __str__(self) -> str:
        return self.etikett

    @property
    def etikett(self) -> str:
        if self.namn:
            return self.namn
        plats = self.vardenhet.namn if self.vardenhet else (self.region.namn if self.region else "Nationell")
        return f"{self.get_roll_display()} – {plats}"


class Enhetsnyckel(models.Model):
    """A care unit's key pairs for end-to-end referrals (vardformedling/nycklar/enhetsnycklar.py).

    The public keys are catalogue data and may be shown to anyone. The private keys are never here in clear: with
    NYCKELTJANST=pkcs11 they are sealed (AES-256-GCM) under a data key wrapped by the unit's region key, with
    NYCKELTJANST=lokal they are in a 0600 file under VF_NYCKLAR_DIR/enheter/ and the sealed columns are empty."""

    hsa_id = models.CharField("HSA-id", max_length=64, unique=True)
    region_kod = models.CharField(max_length=2)
    kryptering_publik = models.CharField(max_length=80, help_text="X25519, text som i enhetsnycklar.nyckel_till_text")
    signering_publik = models.CharField(max_length=80, help_text="Ed25519, text som i enhetsnycklar.nyckel_till_text")
    privat_chiffer = models.BinaryField(null=True, editable=False)
    privat_inslagen_nyckel = models.BinaryField(null=True, editable=False)
    nyckelversion = models.PositiveIntegerField(null=True, editable=False)
    skapad = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "enhetsnyckel"
        verbose_name_plural = "enhetsnycklar"
        indexes = [models.Index(fields=["region_kod", "nyckelversion"], name="enhetsnyckel_omslag")]

    def __str__(self) -> str:
        return self.hsa_id


class NotisQuerySet(models.QuerySet):
    def till(self, user, uppdrag):
        """The notices for the user in the active commission: those to the commission's region (to its unit, when
        a receiving unit's notice names one) and those to the user by name."""
        if uppdrag is None:
            return self.filter(anvandare=user)
        q = models.Q(anvandare=user)
        if uppdrag.region_id:
            q |= models.Q(anvandare__isnull=True, region_id=uppdrag.region_id)
        return self.filter(q)


class Notis(models.Model):
    """A notice in the portal's header list (and by e-mail): to every commission of a region, or to one user.
    Read per user (`NotisLast`). Apps write them through `vardformedling.notiser.skicka`."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True, related_name="notiser")
    anvandare = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="notiser")
    typ = models.CharField(max_length=30, help_text="Vad notisen gäller, t.ex. takvolym eller kapacitet")
    rubrik = models.CharField(max_length=200)
    text = models.TextField(blank=True)
    lank = models.CharField("länk", max_length=300, blank=True)
    skapad = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = NotisQuerySet.as_manager()

    class Meta:
        ordering = ["-skapad", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(region__isnull=False) | models.Q(anvandare__isnull=False), name="notis_har_mottagare"
            )
        ]
        verbose_name = "notis"
        verbose_name_plural = "notiser"

    def __str__(self) -> str:
        return self.rubrik


class NotisLast(models.Model):
    """A user has read a notice."""

    notis = models.ForeignKey(Notis, on_delete=models.CASCADE, related_name="lasningar")
    anvandare = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    last = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notis", "anvandare"], name="uniq_notis_last")]

    def __str__(self) -> str:
        return f"{self.notis_id} läst av {self.anvandare_id}"
