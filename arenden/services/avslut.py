"""Step 5 and early endings: follow-up and payment, closing, ending early at any step."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from arenden.models import Avslutsorsak, Erbjudande, Status
from arenden.services import identitet
from arenden.services._common import kontrollera_status, las_arende, overga, spara, volym_slapp

FAKTURA_SAKNAS = "Registrera fakturabelopp innan ärendet avslutas."
UPPLEVELSE_FEL = "Patientupplevelsen anges 1–5."
ORSAK_KRAVS = "Välj en orsak till att ärendet avslutas."
MOTIVERING_KRAVS = "Skriv en motivering när orsaken är ”Annat”."
BELOPP_FEL = "Beloppet kan inte vara negativt."

# Volume is reserved from acceptance until care is performed; ending in these states releases it.
RESERVERAD_I = [Status.FORMEDLA, Status.REMISS_SKICKAD, Status.BEKRAFTAD]
# Follow-up and payment are registered in step 5, before the case is closed.
UPPFOLJNING_I = [Status.UPPFOLJNING]


def avtalspris(arende):
    erbjudande = arende.erbjudanden.filter(status=Erbjudande.Status.ACCEPTERAT).select_related("avtalsrad").first()
    return erbjudande.avtalsrad.pris_kr if erbjudande and erbjudande.avtalsrad_id else None


def uppfoljning_registrera(
    *,
    arende,
    anvandare,
    uppdrag=None,
    faktura_belopp=None,
    betald_datum=None,
    resekostnad=None,
    patientupplevelse=None,
    version=None,
):
    """Follow-up and payment (step 5). The invoice amount defaults to the agreement price."""
    with transaction.atomic():
        arende = las_arende(arende, version)
        kontrollera_status(arende, UPPFOLJNING_I, "registrera uppföljning")
        if faktura_belopp is None:  # the receiving unit's invoice lines when there are any, else the agreed price
            faktura_belopp = arende.faktura_belopp if arende.fakturarader.exists() else avtalspris(arende)
        for falt, belopp in (("faktura_belopp", faktura_belopp), ("resekostnad", resekostnad)):
            if belopp is not None and belopp < 0:
                raise ValidationError({falt: BELOPP_FEL})
        if patientupplevelse is not None and not 1 <= int(patientupplevelse) <= 5:
            raise ValidationError({"patientupplevelse": UPPLEVELSE_FEL})
        arende.faktura_belopp = faktura_belopp
        arende.betald_datum = betald_datum
        arende.resekostnad = resekostnad
        arende.patientupplevelse = patientupplevelse
        spara(arende, fran=arende.status, handelse="Uppföljning registrerad", anvandare=anvandare, uppdrag=uppdrag)
    return arende


def arende_avsluta(*, arende, anvandare, uppdrag=None, motivering: str = "", version=None):
    """Closes a followed-up case. The invoice must be registered first."""
    with transaction.atomic():
        arende = las_arende(arende, version)
        fran = arende.status
        overga(arende.avsluta, "avsluta ärendet")
        if arende.faktura_belopp is None:
            raise ValidationError(FAKTURA_SAKNAS)
        arende.avslutad_datum = timezone.now()
        spara(
            arende, fran=fran, handelse="Ärendet avslutat", anvandare=anvandare, uppdrag=uppdrag, motivering=motivering
        )
    return arende


def arende_avsluta_tidigt(*, arende, anvandare, uppdrag=None, orsak: str, motivering: str = "", version=None):
    """Ends a case early at any step with a reason; releases reserved volume and withdraws open offers."""
    with transaction.atomic():
        arende = las_arende(arende, version)
        fran = arende.status
        steg = arende.steg
        if orsak not in Avslutsorsak.values:
            raise ValidationError({"orsak": ORSAK_KRAVS})
        if orsak == Avslutsorsak.ANNAT and not (motivering or "").strip():
            raise ValidationError({"motivering": MOTIVERING_KRAVS})
        overga(arende.avsluta_tidigt, "avsluta ärendet i förtid")
        if (
            fran in RESERVERAD_I
            and arende.erbjudanden.filter(status=Erbjudande.Status.ACCEPTERAT, avtalsrad__isnull=False).exists()
        ):
            volym_slapp(referens=arende.case_id, anvandare=anvandare)
        arende.erbjudanden.filter(status=Erbjudande.Status.LAMNAT).update(
            status=Erbjudande.Status.ATERKALLAT, fritext="Ärendet avslutades."
        )
        arende.avslutsorsak = orsak
        identitet.satt_fritext(arende, avslut_motivering=motivering or "")
        arende.avslutad_i_steg = steg
        arende.avslutad_datum = timezone.now()
        spara(
            arende,
            fran=fran,
            handelse=f"Avslutat i förtid: {Avslutsorsak(orsak).label}",
            anvandare=anvandare,
            uppdrag=uppdrag,
            motivering=motivering,
        )
    return arende
