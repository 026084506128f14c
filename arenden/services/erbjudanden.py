"""Step 2: offers to the patient, the patient's answer, withdrawal. Acceptance reserves agreement volume."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from arenden.models import Erbjudande, Status, SvarsKanal
from arenden.services import identitet
from arenden.services._common import (
    kontrollera_status,
    las_arende,
    overga,
    spara,
    volym_reservera,
    volym_slapp,
)
from arenden.services.patientkanal import erbjudande_meddela
from avtal.models import Avtalsrad
from vardformedling import format as fmt

RAD_FEL_KVA = "Avtalsraden gäller {rad_kva}, men ärendet gäller {kva}."
RAD_FEL_ENHET = "Avtal {avtal} omfattar inte {enhet}."
RAD_EJ_GILTIG = "Avtal {avtal} gäller {fran} – {till}, inte det planerade datumet {datum}."
RAD_EJ_NYTTJBAR = "Avtal {avtal} (region {agare}) får inte nyttjas av region {region}."
RAD_OKAND = "Den valda avtalsraden finns inte för {enhet} och {kva}. Välj en rad i listan, eller Inget avtal."
ENHET_INAKTIV = "{enhet} är inte aktiv i katalogen."
SVARSFRIST_FEL = "Svarsfristen kan inte ligga före dagens datum."
EFTER_VARDGARANTI = (
    "Förväntat datum {datum} ligger efter vårdgarantins datum {garanti}. Skriv varför patienten ändå erbjuds vården "
    "(till exempel att ingen vårdgivare kan ge den tidigare), eller välj ett tidigare datum."
)
FORVANTAT_FORE_IDAG = "Förväntat datum kan inte ligga före dagens datum."
REDAN_BESVARAT = "Erbjudandet är redan {status}."
ORSAK_KRAVS = "Välj varför patienten tackade nej."
ANNAT_ACCEPTERAT = "Ärendet har redan ett accepterat erbjudande."
KANAL_FEL = "Välj hur svaret kom in: digitalt, per post eller per telefon."
ERBJUDANDE_ATERKALLA_FEL = "Ett accepterat erbjudande kan bara återkallas innan remissen skickats."


def avtalsrader_for_erbjudande(*, arende, vardenhet, datum) -> tuple[list, list[tuple]]:
    """The lines an offer of this case at `vardenhet` may use on `datum` (the planned date), and the other lines of
    the case's KVÅ group at the unit's provider with why each cannot be used: (usable, [(line, reasons), …]).

    Usable is `Avtalsrad.objects.anvandbara` (valid on `datum`, usable by the case's region, covering the unit); the
    reasons come from the same three rules (`med_hinder`). Two queries."""
    anvandbara = list(
        Avtalsrad.objects.filter(kva_id=arende.kva_id)
        .anvandbara(region_kod=arende.region_id, datum=datum, vardenhet=vardenhet)
        .select_related("avtal", "avtal__vardgivare")
        .order_by("avtal__avtal_id", "avtal__avtalsagare_id")[:200]
    )
    ovriga = (
        Avtalsrad.objects.filter(kva_id=arende.kva_id, avtal__vardgivare_id=vardenhet.vardgivare_id)
        .exclude(pk__in=[r.pk for r in anvandbara])
        .med_hinder(region_kod=arende.region_id, datum=datum, vardenhet=vardenhet)
        .select_related("avtal")
        .order_by("avtal__avtal_id", "avtal__avtalsagare_id")[:50]
    )
    return anvandbara, [(rad, _hinder(rad, arende=arende, vardenhet=vardenhet, datum=datum)) for rad in ovriga]


def _hinder(rad, *, arende, vardenhet, datum) -> list[str]:
    """Why an annotated line (`med_hinder`) cannot be used, in Swedish; empty when it can."""
    avtal = rad.avtal
    skal = []
    if rad.ej_omfattar:
        skal.append(RAD_FEL_ENHET.format(avtal=avtal.avtal_id, enhet=vardenhet.namn))
    if rad.ej_giltig:
        skal.append(
            RAD_EJ_GILTIG.format(
                avtal=avtal.avtal_id,
                fran=fmt.datum(avtal.giltig_fran),
                till=fmt.datum(avtal.giltig_till),
                datum=fmt.datum(datum),
            )
        )
    if rad.ej_nyttjbar:
        skal.append(RAD_EJ_NYTTJBAR.format(avtal=avtal.avtal_id, agare=avtal.avtalsagare_id, region=arende.region_id))
    return skal


def avtalsrad_hinder(*, rad_pk, arende, vardenhet, datum) -> list[str]:
    """Why the line `rad_pk` cannot be used for an offer of this case at this unit on `datum` (empty: it can)."""
    rad = (
        Avtalsrad.objects.filter(pk=rad_pk)
        .med_hinder(region_kod=arende.region_id, datum=datum, vardenhet=vardenhet)
        .select_related("avtal")
        .first()
        if rad_pk is not None
        else None
    )
    if rad is None or rad.kva_id != arende.kva_id:
        return [RAD_OKAND.format(enhet=vardenhet.namn, kva=arende.kva_id)]
    return _hinder(rad, arende=arende, vardenhet=vardenhet, datum=datum)


def _slapp_om_sista(arende, erbjudande, anvandare) -> None:
    """An open offer sent in bulk holds its line's volume (arenden.services.erbjudanden_flera); when it is declined
    or withdrawn and no other open offer of the case remains, the case's reservation is released."""
    if (
        erbjudande.avtalsrad_id
        and not arende.erbjudanden.filter(status=Erbjudande.Status.LAMNAT).exclude(pk=erbjudande.pk).exists()
    ):
        volym_slapp(referens=arende.case_id, anvandare=anvandare)


def _las_erbjudande(erbjudande) -> Erbjudande:
    pk = erbjudande.pk if isinstance(erbjudande, Erbjudande) else erbjudande
    return Erbjudande.objects.select_for_update(of=("self",)).select_related("vardenhet", "avtalsrad").get(pk=pk)


def erbjudande_lamna(
    *,
    arende,
    anvandare,
    uppdrag=None,
    vardenhet,
    avtalsrad=None,
    forvantat_datum=None,
    erbjudet_via: str = Erbjudande.Via.TELEFON,
    svarsfrist=None,
    efter_vardgaranti_motivering: str = "",
    version=None,
) -> Erbjudande:
    """Records an offer (step 2). The agreement line, if any, must be of the case's KVÅ group and usable
    (`Avtalsrad.objects.anvandbara`): valid on the planned date (`forvantat_datum`, else today), usable by the
    case's region and covering the unit.

    Care expected after the care-guarantee date needs a reason (`efter_vardgaranti_motivering`), kept in the
    history row; the letter then says plainly that the date is after the guarantee."""
    with transaction.atomic():
        arende = las_arende(arende, version)
        kontrollera_status(arende, [Status.HITTA_VARDGIVARE], "lämna erbjudanden")
        if not vardenhet.aktiv:
            raise ValidationError({"vardenhet": ENHET_INAKTIV.format(enhet=vardenhet.namn)})
        if avtalsrad is not None:
            if avtalsrad.kva_id != arende.kva_id:
                raise ValidationError({"avtalsrad": RAD_FEL_KVA.format(rad_kva=avtalsrad.kva_id, kva=arende.kva_id)})
            datum = forvantat_datum or timezone.localdate()
            anvandbar = Avtalsrad.objects.filter(pk=avtalsrad.pk).anvandbara(
                region_kod=arende.region_id, datum=datum, vardenhet=vardenhet
            )
            if not anvandbar.exists():
                skal = avtalsrad_hinder(rad_pk=avtalsrad.pk, arende=arende, vardenhet=vardenhet, datum=datum)
                raise ValidationError({"avtalsrad": skal})
        if svarsfrist is not None and svarsfrist < timezone.localdate():
            raise ValidationError({"svarsfrist": SVARSFRIST_FEL})
        if forvantat_datum is not None and forvantat_datum < timezone.localdate():
            raise ValidationError({"forvantat_datum": FORVANTAT_FORE_IDAG})
        motivering = (efter_vardgaranti_motivering or "").strip()
        efter_garanti = forvantat_datum is not None and forvantat_datum > arende.vardgaranti_datum
        if efter_garanti and not motivering:
            raise ValidationError(
                {
                    "efter_vardgaranti_motivering": EFTER_VARDGARANTI.format(
                        datum=fmt.datum(forvantat_datum), garanti=fmt.datum(arende.vardgaranti_datum)
                    )
                },
                code="efter_vardgaranti",
            )
        erbjudande = Erbjudande(
            arende=arende,
            vardenhet=vardenhet,
            avtalsrad=avtalsrad,
            forvantat_datum=forvantat_datum,
            erbjudet_via=erbjudet_via,
            lamnat_av=anvandare,
        )
        if svarsfrist is not None:
            erbjudande.svarsfrist = svarsfrist
        erbjudande.full_clean(exclude=["arende", "vardenhet", "avtalsrad", "lamnat_av"])
        erbjudande.save()
        if erbjudande.erbjudet_via == Erbjudande.Via.V1177:
            erbjudande_meddela(erbjudande=erbjudande, anvandare=anvandare, uppdrag=uppdrag)
        handelse = f"Erbjudande lämnat: {vardenhet.namn} (svar senast {fmt.datum(erbjudande.svarsfrist)})"
        if efter_garanti:
            handelse = f"{handelse[:-1]}; vård efter vårdgarantins datum)"
        spara(
            arende,
            fran=arende.status,
            handelse=handelse[:200],
            anvandare=anvandare,
            uppdrag=uppdrag,
            motivering=motivering if efter_garanti else "",
        )
    return erbjudande


def erbjudande_besvara(
    *,
    erbjudande,
    anvandare,
    uppdrag=None,
    svar: bool,
    avbojt_orsak: str = "",
    fritext: str = "",
    portaltext: str = "",
    svar_datum=None,
    kanal: str = SvarsKanal.TELEFON,
    version=None,
) -> Erbjudande:
    """The patient's answer. Ja: reserves volume on the agreement line, the unit becomes the receiving unit and
    other open offers are withdrawn. Nej: needs a reason; a patient who changes their mind after accepting (before
    the referral is sent) releases the reserved volume and the case returns to Hitta vårdgivare.

    `kanal` is how the answer reached the case (digital: the patient's own pages; post; telefon, the coordinator's
    path); it is recorded on the offer with the reply time (`besvarad`) for follow-up."""
    if kanal not in SvarsKanal.values:
        raise ValidationError({"kanal": KANAL_FEL})
    with transaction.atomic():
        erbjudande = _las_erbjudande(erbjudande)
        arende = las_arende(erbjudande.arende_id, version)
        fran = arende.status
        idag = svar_datum or timezone.localdate()
        if svar:
            if erbjudande.status != Erbjudande.Status.LAMNAT:
                raise ValidationError(REDAN_BESVARAT.format(status=erbjudande.get_status_display().lower()))
            if arende.erbjudanden.filter(status=Erbjudande.Status.ACCEPTERAT).exists():
                raise ValidationError(ANNAT_ACCEPTERAT)
            overga(arende.acceptera, "acceptera erbjudanden")
            if erbjudande.avtalsrad_id:
                volym_reservera(
                    rad=erbjudande.avtalsrad, referens=arende.case_id, region=arende.region, anvandare=anvandare
                )
            erbjudande.status = Erbjudande.Status.ACCEPTERAT
            erbjudande.svar_datum = idag
            erbjudande.besvarad, erbjudande.svar_kanal = timezone.now(), kanal
            _kommentar(erbjudande, arende, fritext, portaltext)
            erbjudande.save()
            arende.erbjudanden.filter(status=Erbjudande.Status.LAMNAT).exclude(pk=erbjudande.pk).update(
                status=Erbjudande.Status.ATERKALLAT, fritext="Patienten accepterade ett annat erbjudande."
            )
            arende.mottagande_enhet = erbjudande.vardenhet
            arende.planerat_datum = erbjudande.forvantat_datum
            handelse = f"Patienten tackade ja till {erbjudande.vardenhet.namn}"
        else:
            if avbojt_orsak not in Erbjudande.AvbojtOrsak.values:
                raise ValidationError({"avbojt_orsak": ORSAK_KRAVS})
            if erbjudande.status == Erbjudande.Status.ACCEPTERAT:
                overga(arende.ateroppna_sok, "ändra patientens svar")
                volym_slapp(referens=arende.case_id, anvandare=anvandare)
                arende.mottagande_enhet = None
                arende.planerat_datum = None
            elif erbjudande.status != Erbjudande.Status.LAMNAT:
                raise ValidationError(REDAN_BESVARAT.format(status=erbjudande.get_status_display().lower()))
            else:
                kontrollera_status(arende, [Status.HITTA_VARDGIVARE], "registrera svar")
                _slapp_om_sista(arende, erbjudande, anvandare)
            erbjudande.status = Erbjudande.Status.AVBOJT
            erbjudande.svar_datum = idag
            erbjudande.besvarad, erbjudande.svar_kanal = timezone.now(), kanal
            erbjudande.avbojt_orsak = avbojt_orsak
            _kommentar(erbjudande, arende, fritext, portaltext)
            erbjudande.save()
            handelse = (
                f"Patienten tackade nej till {erbjudande.vardenhet.namn} ({erbjudande.get_avbojt_orsak_display()})"
            )
        spara(
            arende, fran=fran, handelse=handelse, anvandare=anvandare, uppdrag=uppdrag, motivering=fritext,
            portaltext=portaltext,
        )  # fmt: skip
    return erbjudande


def _kommentar(erbjudande, arende, fritext: str, portaltext: str = "") -> None:
    """The offer's comment: what a person typed sealed (issue 16), the portal's own words in clear."""
    erbjudande.fritext = portaltext or ""
    identitet.forsegla_text(erbjudande, "fritext", fritext or "", arende=arende)


def erbjudande_aterkalla(*, erbjudande, anvandare, uppdrag=None, motivering: str = "", version=None) -> Erbjudande:
    """Withdraws an offer. An accepted one (only before the referral is sent) releases its volume."""
    with transaction.atomic():
        erbjudande = _las_erbjudande(erbjudande)
        arende = las_arende(erbjudande.arende_id, version)
        fran = arende.status
        if erbjudande.status == Erbjudande.Status.ACCEPTERAT:
            if arende.status != Status.FORMEDLA:
                raise ValidationError(ERBJUDANDE_ATERKALLA_FEL)
            overga(arende.ateroppna_sok, "återkalla erbjudandet")
            volym_slapp(referens=arende.case_id, anvandare=anvandare)
            arende.mottagande_enhet = None
            arende.planerat_datum = None
        elif erbjudande.status != Erbjudande.Status.LAMNAT:
            raise ValidationError(REDAN_BESVARAT.format(status=erbjudande.get_status_display().lower()))
        else:
            _slapp_om_sista(arende, erbjudande, anvandare)
        erbjudande.status = Erbjudande.Status.ATERKALLAT
        if motivering:
            _kommentar(erbjudande, arende, motivering)
        erbjudande.save()
        spara(
            arende,
            fran=fran,
            handelse=f"Erbjudandet till {erbjudande.vardenhet.namn} återkallades",
            anvandare=anvandare,
            uppdrag=uppdrag,
            motivering=motivering,
        )
    return erbjudande
