"""Brokering cases (ärenden): the five-step workflow, offers, transfers, travel, history and the access log.

The workflow lives in `Arende.status` (django-fsm-2, protected: only the transition methods below change it,
and only `arenden.services` calls them). Optimistic locking: `version` is bumped on every write and services
refuse a write whose expected version is stale.
"""

from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from arenden.patientkanal.models import (  # noqa: F401 – the patient channel's models (issue 18), found by Django here
    POST_EFTER_DAGAR,
    Meddelandekanal,
    Meddelandetyp,
    Patientinstallning,
    Patientmall,
    PatientMeddelande,
    SvarsKanal,
)
from katalog.models import KvaGrupp, Vardenhet
from vardformedling import format as fmt
from vardformedling.models import Region, Roll
from vardformedling.referensdata import ReferensQuerySet


class Status(models.TextChoices):
    BEHOV = "behov", "Behov registrerat – väntar på bedömning"
    HITTA_VARDGIVARE = "hitta_vardgivare", "Hitta vårdgivare"
    FORMEDLA = "formedla", "Erbjudande accepterat – förmedla patient"
    REMISS_SKICKAD = "remiss_skickad", "Remiss skickad – väntar på bekräftelse"
    BEKRAFTAD = "bekraftad", "Remiss bekräftad – vård planerad"
    UTFORD = "utford", "Vård utförd – väntar på återremiss"
    UPPFOLJNING = "uppfoljning", "Uppföljning och betalning"
    AVSLUTAD = "avslutad", "Avslutat"
    AVSLUTAD_TIDIGT = "avslutad_tidigt", "Avslutat i förtid"


STEG_FOR_STATUS = {
    Status.BEHOV: 1,
    Status.HITTA_VARDGIVARE: 2,
    Status.FORMEDLA: 3,
    Status.REMISS_SKICKAD: 3,
    Status.BEKRAFTAD: 4,
    Status.UTFORD: 4,
    Status.UPPFOLJNING: 5,
    Status.AVSLUTAD: 5,
}
STEG_NAMN = {
    1: "Behov av vårdförmedling",
    2: "Hitta vårdgivare",
    3: "Förmedla patient",
    4: "Utföra vårdtjänst",
    5: "Uppföljning och betalning",
}
OPPNA = [s for s in Status.values if s not in (Status.AVSLUTAD, Status.AVSLUTAD_TIDIGT)]
# States in which the patient still waits for care: the care-guarantee countdown runs (and a passed date is flagged)
# only here; once care is performed (steps 4 "utförd" and 5) it stops.
VANTAR_PA_VARD = [
    Status.BEHOV,
    Status.HITTA_VARDGIVARE,
    Status.FORMEDLA,
    Status.REMISS_SKICKAD,
    Status.BEKRAFTAD,
]


def kvar_text(kvar: int) -> str:
    """Days left until the care-guarantee date in words: "passerad", "löper ut i dag", "1 dag kvar", "12 dagar kvar"."""
    if kvar < 0:
        return "passerad"
    if kvar == 0:
        return "löper ut i dag"
    return f"{fmt.dagar(kvar)} kvar"


# States in which the receiving unit has the case in hand (after the offer to it was accepted).
MOTTAGARE_STATUS = [Status.FORMEDLA, Status.REMISS_SKICKAD, Status.BEKRAFTAD, Status.UTFORD]


class Kontaktvag(models.TextChoices):
    V1177 = "1177", "1177 (Inkorgen)"
    TELEFON = "telefon", "Telefon"
    BREV = "brev", "Brev"


class Kalla(models.TextChoices):
    """Where a case came from (issue 17): the region's own list, the patient, or a referring clinic."""

    VANTELISTA = "vantelista", "Väntelista (proaktivt)"
    PATIENT = "patient", "Patienten kontaktade vårdförmedlingen"
    REMISS = "remiss", "Remiss från vårdenhet"


class Avslutsorsak(models.TextChoices):
    PATIENTEN_AVBOJDE = "patienten_avbojde", "Patienten avböjde"
    BEHOV_UPPHORT = "behov_upphort", "Behovet har upphört"
    BEHANDLAD_I_HEMREGION = "behandlad_i_hemregion", "Behandlad i hemregionen"
    MEDICINSKT_OLAMPLIG = "medicinskt_olamplig", "Medicinskt olämplig för vårdförmedling"
    ANNAT = "annat", "Annat"


class ArendeQuerySet(ReferensQuerySet):
    # Bulk writes (seed_scale, crypto-shredding, key rotation, deletes) change the version of the cases
    # (arenden.api.version) as saves and deletes do (ArendenConfig.ready): the follow-up figures are cached under it.
    referensdata = "arenden"

    def visible_to(self, user, uppdrag):
        """PDL (inre sekretess): the cases this commission may see. Unknown roles and administrators: none."""
        if not user or not user.is_authenticated or uppdrag is None:
            return self.none()
        if uppdrag.roll in (Roll.VARDLOTS, Roll.KOORDINATOR) and uppdrag.region_id:
            return self.filter(region_id=uppdrag.region_id)
        if uppdrag.roll == Roll.MOTTAGARE and uppdrag.vardenhet_id:
            # A receiving unit sees a case once an offer to it was accepted, and keeps seeing it afterwards.
            return self.filter(mottagande_enhet_id=uppdrag.vardenhet_id)
        return self.none()

    def oppna(self):
        return self.filter(status__in=OPPNA)

    def vantar_pa_vard(self):
        """Open cases whose care is not yet performed: the ones the care guarantee still counts down for."""
        return self.filter(status__in=VANTAR_PA_VARD)

    def forsenade(self, idag=None):
        return self.vantar_pa_vard().filter(vardgaranti_datum__lt=idag or timezone.localdate())

    def snart_forsenade(self, dagar=14, idag=None):
        idag = idag or timezone.localdate()
        return self.vantar_pa_vard().filter(
            vardgaranti_datum__gte=idag, vardgaranti_datum__lte=idag + timedelta(days=dagar)
        )


def kvittens_verifierad(arende: models.Model) -> bool:
    """Whether the receiving unit has opened its referral envelope and its signed receipt is verified (issue 16): the
    condition for confirming the referral (`Arende.bekrafta`)."""
    if not isinstance(arende, Arende) or arende.pk is None:  # an unsaved case has no transfer
        return False
    return arende.overforingar.filter(mottagare_id=arende.mottagande_enhet_id, mottagen__isnull=False).exists()


class Arende(FSMModelMixin, models.Model):
    case_id = models.CharField("ärende-id", max_length=19, unique=True)
    # The identity the registering user typed, kept on the object for the caller's next page only (never stored).
    identitet: Any = None
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="arenden", verbose_name="hemregion")
    # Patient: only pseudonymous fields in clear (issue 16). The identity (personnummer, name, contact details) is
    # sealed under a per-case data key wrapped by the region's key: write and read it only through
    # arenden/services/identitet.py.
    fodelsear = models.PositiveSmallIntegerField("födelseår", null=True, blank=True)
    kon = models.CharField("kön", max_length=1, choices=[("K", "Kvinna"), ("M", "Man")], blank=True)
    pnr_hash = models.CharField(
        max_length=64, blank=True, help_text="Regionens nyckelade hash (HMAC-SHA256, hex) av personnumret"
    )
    identitet_chiffer = models.BinaryField(null=True, blank=True, editable=False)
    identitet_nyckel = models.BinaryField(
        null=True, blank=True, editable=False, help_text="Datanyckeln, inslagen med hemregionens nyckel"
    )
    identitet_nyckelversion = models.PositiveIntegerField(null=True, blank=True, editable=False)
    identitet_gallrad = models.DateTimeField("identitet gallrad", null=True, blank=True, editable=False)
    kontaktvag = models.CharField("kontaktväg", max_length=10, choices=Kontaktvag.choices, default=Kontaktvag.V1177)
    kalla = models.CharField("källa", max_length=10, choices=Kalla.choices, default=Kalla.PATIENT, db_index=True)
    kommun = models.CharField(max_length=100, blank=True)
    remitterande_enhet = models.ForeignKey(
        Vardenhet, on_delete=models.PROTECT, null=True, blank=True, related_name="remitterade_arenden"
    )
    remitterande_text = models.CharField("remitterande enhet (fritext)", max_length=200, blank=True)
    # Need and medical facts.
    kva = models.ForeignKey(KvaGrupp, on_delete=models.PROTECT, related_name="arenden", verbose_name="KVÅ-grupp")
    diagnos_kod = models.CharField("diagnoskod (ICD-10)", max_length=10, blank=True)
    # Free text about the patient (diagnosis in words, medication, interpreter need, the assessment's, outcome's,
    # closing's and parking's reasons): stored only sealed under the case's data key (`<name>_chiffer`, the field
    # name in the associated data); written and read only through arenden/services/identitet.py (issue 16).
    diagnos_text_chiffer = models.BinaryField(null=True, blank=True, editable=False)
    asa_klass = models.PositiveSmallIntegerField("ASA-klass", null=True, blank=True)
    narkos = models.BooleanField("kräver narkos", default=False)
    lakemedel_chiffer = models.BinaryField(null=True, blank=True, editable=False)
    tolkbehov_chiffer = models.BinaryField(null=True, blank=True, editable=False)
    beslutsdatum = models.DateField("beslut om behandling")
    vardgaranti_datum = models.DateField("vårdgarantin löper ut")
    medicinskt_senast = models.DateField("medicinskt senast", null=True, blank=True)
    max_restid = models.PositiveSmallIntegerField("högsta restid (timmar)", null=True, blank=True)
    max_avstand = models.PositiveIntegerField("högsta avstånd (km)", null=True, blank=True)
    ledsagare = models.BooleanField("behöver ledsagare", default=False)
    # Assessment.
    lamplig = models.BooleanField("lämplig för vårdförmedling", null=True, blank=True)
    lamplighet_motivering_chiffer = models.BinaryField(null=True, blank=True, editable=False)
    # Workflow.
    status = FSMField(max_length=20, choices=Status.choices, default=Status.BEHOV, protected=True)
    handlaggare = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="arenden"
    )
    mottagande_enhet = models.ForeignKey(
        Vardenhet, on_delete=models.PROTECT, null=True, blank=True, related_name="mottagna_arenden"
    )
    planerat_datum = models.DateField(null=True, blank=True)
    utfort_datum = models.DateField(null=True, blank=True)
    utfall_chiffer = models.BinaryField(null=True, blank=True, editable=False)
    aterremitterad = models.DateField("återremitterad", null=True, blank=True)
    faktura_belopp = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    betald_datum = models.DateField(null=True, blank=True)
    resekostnad = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    patientupplevelse = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 (mycket dålig) – 5 (mycket bra)"
    )
    avslutsorsak = models.CharField(max_length=30, choices=Avslutsorsak.choices, blank=True)
    avslut_motivering_chiffer = models.BinaryField(null=True, blank=True, editable=False)
    avslutad_i_steg = models.PositiveSmallIntegerField(null=True, blank=True)
    avslutad_datum = models.DateTimeField(null=True, blank=True)
    skapad = models.DateTimeField(default=timezone.now)
    andrad = models.DateTimeField(auto_now=True)
    skapad_av = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    # Parked ("bevakas", issue 17 point 5): off the worklist until a capacity announcement, agreement line or unit
    # that fits it appears (arenden/bevakning.py); then `bevakning_vaknade` says when and `bevakning_varfor` why.
    bevakas_sedan = models.DateTimeField("bevakas sedan", null=True, blank=True)
    bevakning_orsak_chiffer = models.BinaryField(null=True, blank=True, editable=False)
    bevakning_vaknade = models.DateTimeField("åter från bevakning", null=True, blank=True)
    bevakning_varfor = models.CharField("varför åter från bevakning", max_length=300, blank=True)
    # A booked call-back to the patient: due ones head the worklist. The note is a sealed Anteckning.
    aterringning = models.DateTimeField("återuppringning", null=True, blank=True)

    objects = ArendeQuerySet.as_manager()

    class Meta:
        ordering = ["vardgaranti_datum", "id"]
        verbose_name = "ärende"
        verbose_name_plural = "ärenden"
        indexes = [
            models.Index(fields=["region", "status", "vardgaranti_datum"]),
            models.Index(fields=["mottagande_enhet", "status"]),
            models.Index(fields=["pnr_hash", "kva"]),
            models.Index(fields=["region", "identitet_nyckelversion"]),
            # Follow-up statistics filter on registration date. `andrad`: read by no query since the follow-up's
            # cache key is the cases' version (arenden.api.version); dropping the index needs a migration.
            models.Index(fields=["skapad"]),
            models.Index(fields=["andrad"]),
            models.Index(fields=["kva", "region"]),
            models.Index(fields=["kva", "bevakas_sedan"], name="arende_bevakade"),
        ]

    def __str__(self) -> str:
        return self.case_id

    @property
    def steg(self) -> int:
        """Which of the five steps the case is in (an early-ended case stays in the step it ended in)."""
        if self.status == Status.AVSLUTAD_TIDIGT:
            return self.avslutad_i_steg or 1
        return STEG_FOR_STATUS[self.status]

    @property
    def ar_oppet(self) -> bool:
        return self.status in OPPNA

    def dagar_kvar(self, idag=None) -> int:
        return (self.vardgaranti_datum - (idag or timezone.localdate())).days

    @property
    def vardgaranti_bevakas(self) -> bool:
        """Whether the care-guarantee countdown runs: the case is open and care is not yet performed."""
        return self.status in VANTAR_PA_VARD

    @property
    def kvar_text(self) -> str:
        return kvar_text(self.dagar_kvar())

    # --- transitions (called only from arenden.services) ---------------------------------------------
    @transition(field=status, source=Status.BEHOV, target=Status.HITTA_VARDGIVARE)
    def bedom_lamplig(self):
        pass

    @transition(field=status, source=Status.HITTA_VARDGIVARE, target=Status.FORMEDLA)
    def acceptera(self):
        pass

    @transition(field=status, source=Status.FORMEDLA, target=Status.HITTA_VARDGIVARE)
    def ateroppna_sok(self):
        pass

    @transition(field=status, source=Status.FORMEDLA, target=Status.REMISS_SKICKAD)
    def overfor(self):
        pass

    @transition(field=status, source=Status.REMISS_SKICKAD, target=Status.BEKRAFTAD, conditions=[kvittens_verifierad])
    def bekrafta(self):
        pass

    @transition(field=status, source=Status.BEKRAFTAD, target=Status.UTFORD)
    def utfor(self):
        pass

    @transition(field=status, source=Status.UTFORD, target=Status.UPPFOLJNING)
    def aterremittera(self):
        pass

    @transition(field=status, source=Status.UPPFOLJNING, target=Status.AVSLUTAD)
    def avsluta(self):
        pass

    @transition(field=status, source=OPPNA, target=Status.AVSLUTAD_TIDIGT)
    def avsluta_tidigt(self):
        pass


class ArendeHandelseQuerySet(models.QuerySet):
    def for_mottagande_enhet(self):
        """What the receiving unit may see of one case's history (PDL, issue 22 finding 6): the rows from the
        patient's acceptance of the unit's offer on. Not the rounds before it – other units' offers, withdrawals,
        the patient's reasons for saying no – nor the home region's assessment and handling. Call it on one case's
        rows (`arende.handelser`); without an acceptance nothing is left."""
        accepterat = self.filter(fran_status=Status.HITTA_VARDGIVARE, till_status=Status.FORMEDLA).order_by(
            "-tidpunkt", "-id"
        )
        fran_tid = Subquery(accepterat.values("tidpunkt")[:1])
        fran_id = Subquery(accepterat.values("id")[:1])
        return self.filter(Q(tidpunkt__gt=fran_tid) | Q(tidpunkt=fran_tid, id__gte=fran_id))


class ArendeHandelse(models.Model):
    """History: one row per transition or change (from, to, who, commission, when, why)."""

    arende = models.ForeignKey(Arende, on_delete=models.CASCADE, related_name="handelser")
    fran_status = models.CharField(max_length=20, blank=True)
    till_status = models.CharField(max_length=20, blank=True)
    handelse = models.CharField(max_length=200)
    anvandare = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    uppdrag = models.CharField(max_length=200, blank=True)
    tidpunkt = models.DateTimeField(default=timezone.now)
    # The portal's own texts (a reason from its lists, why a parked case woke) in clear; what a person typed (an
    # assessment, a closing reason, a patient's no) only sealed under the case's data key (issue 16).
    motivering = models.TextField(blank=True)
    motivering_chiffer = models.BinaryField(null=True, blank=True, editable=False)

    objects = ArendeHandelseQuerySet.as_manager()

    class Meta:
        ordering = ["tidpunkt", "id"]
        # Handling times look up when each case reached a status.
        indexes = [models.Index(fields=["till_status", "arende"])]

    def __str__(self) -> str:
        return f"{self.arende_id}: {self.handelse}"


class Anteckning(models.Model):
    """A note or contact-log entry, so another navigator can pick the case up.

    Staff's notes are free text about the patient: sealed (`text_chiffer`, AES-256-GCM under the case's data key,
    arenden/services/identitet.py) and `text` is empty. Only the portal's own reminders (no patient data) are in
    `text` in clear. Crypto-shredding the case's data key makes its notes unreadable too."""

    class Typ(models.TextChoices):
        ANTECKNING = "anteckning", "Anteckning"
        KONTAKT = "kontakt", "Kontakt med patient"
        PAMINNELSE = "paminnelse", "Påminnelse"

    arende = models.ForeignKey(Arende, on_delete=models.CASCADE, related_name="anteckningar")
    typ = models.CharField(max_length=12, choices=Typ.choices, default=Typ.ANTECKNING)
    text = models.TextField(blank=True)
    text_chiffer = models.BinaryField(null=True, blank=True, editable=False)
    anvandare = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    skapad = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-skapad", "-id"]

    def __str__(self) -> str:
        return f"{self.arende_id}: {self.get_typ_display()}"


def _svarsfrist_default():
    return timezone.localdate() + timedelta(days=14)


def digitalt_svar_villkor() -> Q:
    """The condition of ErbjudandeQuerySet.digitala_svar_att_hantera, to filter or annotate with."""
    oppet = Erbjudande.objects.filter(arende=OuterRef("arende"), status=Erbjudande.Status.LAMNAT)
    return Q(svar_kanal=SvarsKanal.DIGITAL) & (
        Q(status=Erbjudande.Status.ACCEPTERAT, arende__status=Status.FORMEDLA)
        | Q(~Exists(oppet), status=Erbjudande.Status.AVBOJT, arende__status=Status.HITTA_VARDGIVARE)
    )


def vantar_pa_post_villkor(idag=None) -> Q:
    """The condition of ErbjudandeQuerySet.vantar_pa_post (reads the regions' settings), to filter or annotate with."""
    idag = idag or timezone.localdate()
    egna = dict(Patientinstallning.objects.values_list("region_id", "post_efter_dagar"))

    def skickat_senast(dagar: int):
        # Sent on or before this local day's end → `dagar` whole days have passed by `idag`.
        return timezone.make_aware(datetime.combine(idag - timedelta(days=dagar - 1), time.min))

    villkor = Q(skapad__lt=skickat_senast(POST_EFTER_DAGAR)) & ~Q(arende__region_id__in=list(egna))
    for region, dagar in egna.items():
        villkor |= Q(arende__region_id=region, skapad__lt=skickat_senast(dagar))
    return villkor & Q(status=Erbjudande.Status.LAMNAT, erbjudet_via=Erbjudande.Via.V1177, brev_skickat__isnull=True)


class ErbjudandeQuerySet(models.QuerySet):
    def for_mottagande_enhet(self, vardenhet_id):
        """The offers a receiving unit may see of a case (PDL, issue 14 point 12): its own accepted offer – not other
        units' offers, nor its own withdrawn or declined ones of earlier rounds with their internal reasons."""
        return self.filter(vardenhet_id=vardenhet_id, status=Erbjudande.Status.ACCEPTERAT)

    def digitala_svar_att_hantera(self):
        """Answers the patient gave on their own pages (issue 18) that the navigator must act on now: a yes while the
        case waits for its referral (Förmedla patient), or a no that left the case in step 2 with no open offer."""
        return self.filter(digitalt_svar_villkor())

    def vantar_pa_post(self, idag=None):
        """Postal fallback (issue 18): digital (1177) offers still unanswered when the case's region's
        `post_efter_dagar` (default 14) have passed since they were sent, whose letter is not yet recorded.
        Computed on read, so no nightly job can miss a day; one condition per region with its own setting."""
        return self.filter(vantar_pa_post_villkor(idag))


class Erbjudande(models.Model):
    class Status(models.TextChoices):
        LAMNAT = "lamnat", "Lämnat – väntar på svar"
        ACCEPTERAT = "accepterat", "Accepterat"
        AVBOJT = "avbojt", "Avböjt"
        ATERKALLAT = "aterkallat", "Återkallat"

    class Via(models.TextChoices):
        TELEFON = "telefon", "Telefon"
        BREV = "brev", "Brev"
        V1177 = "1177", "1177 (Inkorgen)"
        BESOK = "besok", "Vid besök"

    class AvbojtOrsak(models.TextChoices):
        FOR_LANGT_BORT = "for_langt_bort", "För långt bort"
        VILL_VANTA = "vill_vanta", "Vill vänta på vård i hemregionen"
        DATUM_PASSAR_EJ = "datum_passar_ej", "Datumet passar inte"
        VILL_ANNAN_VARDGIVARE = "vill_annan_vardgivare", "Vill ha en annan vårdgivare"
        HALSOSKAL = "halsoskal", "Hälsoskäl"
        ANNAT = "annat", "Annat"

    arende = models.ForeignKey(Arende, on_delete=models.CASCADE, related_name="erbjudanden")
    vardenhet = models.ForeignKey(Vardenhet, on_delete=models.PROTECT, related_name="erbjudanden")
    avtalsrad = models.ForeignKey(
        "avtal.Avtalsrad", on_delete=models.PROTECT, null=True, blank=True, related_name="erbjudanden"
    )
    forvantat_datum = models.DateField("förväntat datum", null=True, blank=True)
    erbjudet_via = models.CharField(max_length=10, choices=Via.choices, default=Via.TELEFON)
    svarsfrist = models.DateField(default=_svarsfrist_default)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.LAMNAT)
    svar_datum = models.DateField(null=True, blank=True)
    avbojt_orsak = models.CharField(max_length=30, choices=AvbojtOrsak.choices, blank=True)
    # The portal's own texts ("Ärendet avslutades.") in clear; a comment a person typed only sealed (issue 16).
    fritext = models.TextField(blank=True)
    fritext_chiffer = models.BinaryField(null=True, blank=True, editable=False)
    paminnelse_skapad = models.DateTimeField(null=True, blank=True)
    # The answer (issue 18): when and through which channel it reached the case; reply time = besvarad − skapad.
    besvarad = models.DateTimeField(null=True, blank=True)
    svar_kanal = models.CharField("svarskanal", max_length=8, choices=SvarsKanal.choices, blank=True)
    # Postal fallback: a digital offer unanswered after the region's days is a task until the letter is recorded.
    brev_skickat = models.DateTimeField("brev skickat", null=True, blank=True)
    brev_skickat_av = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lamnat_av = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    skapad = models.DateTimeField(default=timezone.now)

    objects = ErbjudandeQuerySet.as_manager()
    efter_garanti: bool  # not a field: the offer letter sets it on the offers it lists (views/erbjudanden.py)

    class Meta:
        ordering = ["skapad", "id"]
        verbose_name = "erbjudande"
        verbose_name_plural = "erbjudanden"

    def __str__(self) -> str:
        return f"{self.arende_id} → {self.vardenhet_id}"

    @property
    def forfallet(self) -> bool:
        return self.status == self.Status.LAMNAT and self.svarsfrist < timezone.localdate()

    @property
    def kan_vanta_pa_post(self) -> bool:
        """An unanswered digital offer with no letter recorded: what `vantar_pa_post` asks before the region's days."""
        return self.status == self.Status.LAMNAT and self.erbjudet_via == self.Via.V1177 and self.brev_skickat is None


class OverforingQuerySet(models.QuerySet):
    def for_enhet(self, vardenhet_id):
        """The envelopes addressed to one receiving unit (its inbox)."""
        return self.filter(mottagare_id=vardenhet_id)


class Overforing(models.Model):
    """A transfer of referral and documents through the SDK transport: the end-to-end envelope's routing metadata
    (no patient data; the envelope itself is with the transport) and the receiving unit's verified receipt."""

    arende = models.ForeignKey(Arende, on_delete=models.CASCADE, related_name="overforingar")
    mottagare = models.ForeignKey(Vardenhet, on_delete=models.PROTECT, related_name="+")
    dokument = models.JSONField(default=list)
    kuvert = models.CharField("kuvertfil", max_length=200)
    kvitto = models.CharField("kvitto-id", max_length=100)
    transport = models.CharField(max_length=200)
    skickad = models.DateTimeField(default=timezone.now)
    skickad_av = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    # The envelope (vardformedling/nycklar/kuvert.py): sending unit's HSA-id, SHA-256 of the bytes sent, and its
    # clear metadata (case ID, units, key fingerprints, document names + SHA-256).
    avsandare = models.CharField("avsändande enhet (HSA-id)", max_length=64, blank=True)
    kuvert_sha256 = models.CharField(max_length=64, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # The receiving unit's signed receipt, stored once it verified against the unit's public key.
    kvittens = models.TextField(blank=True, editable=False)
    mottagen = models.DateTimeField(null=True, blank=True)
    mottagen_av = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = OverforingQuerySet.as_manager()

    class Meta:
        ordering = ["skickad", "id"]

    def __str__(self) -> str:
        return f"{self.arende_id}: {self.kvitto}"


class Resa(models.Model):
    """Sjukresa for the case. Its free-text note is about the patient: sealed (`anteckning_chiffer`, AES-256-GCM
    under the case's data key, "resa" in the associated data) through arenden/services/identitet.py."""

    class Fardsatt(models.TextChoices):
        EGEN_BIL = "egen_bil", "Egen bil"
        TAG = "tag", "Tåg"
        BUSS = "buss", "Buss"
        FLYG = "flyg", "Flyg"
        TAXI = "taxi", "Taxi / sjukresetaxi"
        AMBULANS = "ambulans", "Liggande transport"

    class BokadAv(models.TextChoices):
        PATIENT = "patient", "Patienten själv"
        HEMREGION = "hemregion", "Hemregionens sjukresor"
        MOTTAGARE = "mottagare", "Mottagande enhet"

    arende = models.ForeignKey(Arende, on_delete=models.CASCADE, related_name="resor")
    fardsatt = models.CharField("färdsätt", max_length=10, choices=Fardsatt.choices)
    bokad_av = models.CharField(max_length=10, choices=BokadAv.choices)
    ledsagare = models.BooleanField(default=False)
    hotellnatt = models.BooleanField("hotellnatt", default=False)
    anteckning_chiffer = models.BinaryField(null=True, blank=True, editable=False)
    registrerad = models.DateTimeField(default=timezone.now)
    registrerad_av = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["registrerad", "id"]

    visad_anteckning: str = ""  # not a field: the case page sets the opened note (identitet.las_resenoter)

    def __str__(self) -> str:
        return f"{self.arende_id}: {self.get_fardsatt_display()}"


class ArendeNummer(models.Model):
    """The last case number used per region and year; locked with SELECT … FOR UPDATE for gap-free numbers."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    ar = models.PositiveSmallIntegerField()
    senaste = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "ar"], name="uniq_arendenummer")]

    def __str__(self) -> str:
        return f"{self.region_id}/{self.ar}: {self.senaste}"


ATKOMSTLOGG_OFORANDERLIG = "Åtkomstloggen kan inte ändras eller raderas."


class AtkomstloggQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(ATKOMSTLOGG_OFORANDERLIG)

    def delete(self):
        raise ValidationError(ATKOMSTLOGG_OFORANDERLIG)


class Atkomstlogg(models.Model):
    """Append-only PDL access log: who (HSA-id, commission) read which case, when, what and from where.

    The application can only insert: save() refuses updates and delete() raises; on PostgreSQL a trigger
    (migration 0002) also refuses UPDATE and DELETE at the database.
    """

    tidpunkt = models.DateTimeField(default=timezone.now, db_index=True)
    hsa_id = models.CharField("HSA-id", max_length=64, db_index=True)
    uppdrag = models.CharField("medarbetaruppdrag", max_length=200)
    region_kod = models.CharField(max_length=2, blank=True, db_index=True, help_text="Ärendets hemregion")
    case_id = models.CharField("ärende-id", max_length=19, db_index=True)
    handling = models.CharField(max_length=100)
    # What a coordinator typed into the log review's search (a case ID of any region, an HSA-id): recorded as a
    # search, not as an access to the case it names (issue 22); `case_id` is then empty.
    sokterm = models.CharField("sökterm", max_length=100, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AtkomstloggQuerySet.as_manager()
    handling_text: str  # not a field: the log review page sets it on the rows it shows (views/lista.py)

    class Meta:
        ordering = ["-tidpunkt", "-id"]
        verbose_name = "åtkomstlogg"
        verbose_name_plural = "åtkomstlogg"

    def __str__(self) -> str:
        return f"{self.hsa_id} {self.handling} {self.case_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None or kwargs.get("force_update"):
            raise ValidationError(ATKOMSTLOGG_OFORANDERLIG)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(ATKOMSTLOGG_OFORANDERLIG)


class Fakturarad(models.Model):
    """One invoice line of a case, registered by the receiving unit under the case ID: care (checked against the
    agreement line's price and remuneration model, the difference kept as `avvikelse`) or travel (kept apart, not
    checked). The sending region approves or disputes each line (issue #19 point 4)."""

    class Typ(models.TextChoices):
        VARD = "vard", "Vård"
        RESA = "resa", "Resa"

    class Beslut(models.TextChoices):
        ATT_ATTESTERA = "att_attestera", "Att attestera"
        GODKAND = "godkand", "Godkänd"
        BESTRIDD = "bestridd", "Bestriden"

    arende = models.ForeignKey(Arende, on_delete=models.CASCADE, related_name="fakturarader")
    avtalsrad = models.ForeignKey(
        "avtal.Avtalsrad", on_delete=models.PROTECT, null=True, blank=True, related_name="fakturarader"
    )
    vardenhet = models.ForeignKey(Vardenhet, on_delete=models.PROTECT, null=True, related_name="fakturarader")
    typ = models.CharField(max_length=6, choices=Typ.choices, default=Typ.VARD)
    avser = models.CharField("avser", max_length=200)
    datum = models.DateField()
    belopp = models.DecimalField("belopp (kr)", max_digits=12, decimal_places=2)
    avtalat_pris = models.DecimalField("avtalat pris (kr)", max_digits=12, decimal_places=2, null=True, blank=True)
    ersattningsmodell = models.CharField("ersättningsmodell", max_length=100, blank=True)
    avvikelse = models.DecimalField(
        "avvikelse (kr)", max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="Belopp utöver det avtalade; 0 = enligt avtal; tomt = kan inte kontrolleras (resa, inget pris)",
    )  # fmt: skip
    avvikelse_text = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=14, choices=Beslut.choices, default=Beslut.ATT_ATTESTERA)
    motivering = models.TextField(blank=True)
    registrerad = models.DateTimeField(default=timezone.now)
    registrerad_av = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    beslutad = models.DateTimeField(null=True, blank=True)
    beslutad_av = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["arende", "datum", "id"]
        indexes = [models.Index(fields=["datum", "arende"], name="fakturarad_manad")]
        verbose_name = "fakturarad"
        verbose_name_plural = "fakturarader"

    def __str__(self) -> str:
        return f"{self.arende_id}: {self.avser} {self.belopp}"

    @property
    def avviker(self) -> bool:
        return bool(self.avvikelse) or bool(self.avvikelse_text)

    @property
    def ar_resa(self) -> bool:
        return self.typ == self.Typ.RESA

    @property
    def att_attestera(self) -> bool:
        return self.status == self.Beslut.ATT_ATTESTERA


class Avvikelse(models.Model):
    """A deviation in a case's care (issue #19 point 5): what happened, when, who reported it and what was done.
    Both parties see and write them: the home region and the receiving unit."""

    arende = models.ForeignKey(Arende, on_delete=models.CASCADE, related_name="avvikelser")
    # What happened and what was done are free text about the patient: sealed under the case's data key (issue 16).
    vad_chiffer = models.BinaryField(null=True, blank=True, editable=False)
    nar = models.DateField("när")
    atgard_chiffer = models.BinaryField(null=True, blank=True, editable=False)
    rapporterad_av = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    uppdrag = models.CharField(max_length=200, blank=True)
    skapad = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-nar", "-id"]
        verbose_name = "avvikelse"
        verbose_name_plural = "avvikelser"

    def __str__(self) -> str:
        return f"{self.arende_id}: avvikelse {self.nar}"


# Issue 17's models live in their own module (arenden/vantelista/models.py); imported here so Django finds them.
from arenden.vantelista.models import (  # noqa: E402, F401
    ListStatus,
    Vantelista,
    VantelistaPatient,
    VantelistaUppladdning,
)
