"""Waiting lists and their patients; identity only sealed under the owning region's key, matched by keyed hash.

A `Vantelista` is one home unit's list for one KVÅ group, as uploaded by a coordinator of the unit's region. Its
patients' identity (personnummer, name, phone, note) is one sealed JSON document per row under the list's data key,
which is wrapped by the region's key service (`vardformedling.nycklar`); the personnummer is otherwise kept only as
the region's keyed hash of its 12 digits (duplicate checks, re-uploads, cases). A newer list for the same unit and
group replaces the older: patients not on it stay as "lämnat listan", never deleted silently.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from katalog.models import KvaGrupp, Vardenhet
from vardformedling.models import Region


class VantelistaQuerySet(models.QuerySet):
    def aktuella(self):
        return self.filter(ersatt_av__isnull=True)


class Vantelista(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    vardenhet = models.ForeignKey(Vardenhet, on_delete=models.PROTECT, related_name="+", verbose_name="hemenhet")
    kva = models.ForeignKey(KvaGrupp, on_delete=models.PROTECT, related_name="+", verbose_name="KVÅ-grupp")
    inlast = models.DateTimeField("inläst", default=timezone.now)
    inlast_av = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The region's keyed hash of the list's content (rows in a canonical order): the same list again is no change.
    innehall_hash = models.BinaryField(max_length=32)
    antal = models.PositiveIntegerField(default=0)
    ersatt_av = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="ersatta")
    # The list's data key wrapped by the region's key service, and that key's version (re-wrapped on rotation).
    inslagen_nyckel = models.BinaryField()
    nyckelversion = models.PositiveIntegerField()
    # The lägesbild's data version (`lagesbild.api.dataversion`) its patients' stored risk dates were computed from:
    # another version (new register figures) makes the at-risk page compute them again (arenden/vantelista/risk.py).
    risk_dataversion = models.CharField(max_length=500, blank=True)

    objects = VantelistaQuerySet.as_manager()

    class Meta:
        ordering = ["-inlast", "-id"]
        verbose_name = "väntelista"
        verbose_name_plural = "väntelistor"
        indexes = [models.Index(fields=["region", "vardenhet", "kva", "ersatt_av"], name="vantelista_aktuell")]

    def __str__(self) -> str:
        return f"{self.vardenhet_id}/{self.kva_id} {self.inlast:%Y-%m-%d}"


class ListStatus(models.TextChoices):
    PA_LISTAN = "pa_listan", "På listan"
    LAMNAT = "lamnat", "Lämnat listan"
    ERSATT = "ersatt", "Ersatt av nyare lista"


class VantelistaPatientQuerySet(models.QuerySet):
    def synliga(self):
        """What the at-risk page shows: patients on a current list, and those who left it."""
        return self.filter(status__in=[ListStatus.PA_LISTAN, ListStatus.LAMNAT])


class VantelistaPatient(models.Model):
    """One row of a list. No identity in clear: `chiffertext` seals {personnummer, fornamn, efternamn, telefon,
    anteckning} under the list's data key with `aad_for("vantelistapatient", nyckel)`."""

    lista = models.ForeignKey(Vantelista, on_delete=models.CASCADE, related_name="patienter")
    nyckel = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pnr_hash = models.BinaryField(max_length=32)
    chiffertext = models.BinaryField()
    rad = models.PositiveIntegerField("rad i filen")
    status = models.CharField(max_length=10, choices=ListStatus.choices, default=ListStatus.PA_LISTAN)
    lamnat_datum = models.DateField("lämnade listan", null=True, blank=True)
    kva_kod = models.CharField("KVÅ-kod", max_length=10, blank=True)
    beslutsdatum = models.DateField()
    bortre_tidsgrans = models.DateField("bortre tidsgräns", null=True, blank=True)
    asa = models.PositiveSmallIntegerField("ASA-klass", null=True, blank=True)
    narkos = models.BooleanField("narkos", null=True, blank=True)
    kommun_kod = models.CharField("kommun", max_length=4, blank=True)
    max_avstand_km = models.PositiveIntegerField("högsta avstånd (km)", null=True, blank=True)
    # Stored risk (risk.uppdatera: at import and when the lägesbild's figures change), so the at-risk page filters,
    # counts and pages in SQL: the guarantee date, the expected date at the home unit and which median it used.
    garanti_datum = models.DateField("vårdgarantin löper ut", null=True, blank=True)
    forvantat_datum = models.DateField("förväntat datum", null=True, blank=True)
    median_dagar = models.PositiveIntegerField(null=True, blank=True)
    median_kalla = models.CharField(max_length=80, blank=True)
    # The case created from this row (step 1), if any: kept across a replacing list by keyed hash.
    arende = models.ForeignKey("arenden.Arende", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = VantelistaPatientQuerySet.as_manager()

    class Meta:
        ordering = ["beslutsdatum", "id"]
        verbose_name = "patient på väntelista"
        verbose_name_plural = "patienter på väntelistor"
        indexes = [
            models.Index(fields=["lista", "status"], name="vlpatient_lista_status"),
            models.Index(fields=["pnr_hash"], name="vlpatient_pnr_hash"),
            models.Index(fields=["lista", "garanti_datum"], name="vlpatient_lista_garanti"),
        ]

    def __str__(self) -> str:
        return f"rad {self.rad} ({self.lista_id})"


class VantelistaUppladdning(models.Model):
    """A checked file waiting for the coordinator's confirmation. The file is kept only sealed (one data key wrapped
    by the region's key service, `aad_for("vantelistafil", token)`) and deleted when confirmed or cancelled, or
    after a day."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    anvandare = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    skapad = models.DateTimeField(default=timezone.now)
    chiffertext = models.BinaryField()
    inslagen_nyckel = models.BinaryField()
    nyckelversion = models.PositiveIntegerField()
    forhandsvisning = models.JSONField(default=dict)

    class Meta:
        verbose_name = "väntelista att bekräfta"
        verbose_name_plural = "väntelistor att bekräfta"

    def __str__(self) -> str:
        return f"uppladdning {self.token}"
