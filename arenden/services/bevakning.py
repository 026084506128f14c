"""Parked cases ("bevakas") and booked call-backs (issue 17 point 5).

A parked case leaves the worklist until something that fits it appears (arenden/bevakning.py wakes it and tells its
handler); a call-back is a date and time on the case (due ones head the worklist) with its note sealed as a contact
note (`anteckning_skapa`)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from arenden.models import Anteckning, Arende, Status
from arenden.services import identitet
from arenden.services._common import kontrollera_status, las_arende, spara
from arenden.services.registrering import anteckning_skapa
from vardformedling import format as fmt

BEVAKA = "bevaka"
AVSLUTA = "avsluta"
# Parking is for cases still looking for a unit: registered or in the search.
BEVAKA_I = (Status.BEHOV, Status.HITTA_VARDGIVARE)
INTE_BEVAKAT = "Ärendet bevakas inte."
ORSAK_SAKNAS = "Skriv varför ärendet ska bevakas, t.ex. ”ASA 4, ingen enhet med rätt kompetens”."
INGEN_ATERRINGNING = "Ingen återuppringning är bokad på ärendet."
TID_PASSERAD = "Tiden för återuppringningen har redan passerat. Välj en senare tid."


def arende_bevaka(*, arende, val: str, orsak: str = "", anvandare, uppdrag=None, version=None) -> Arende:
    """Parks the case with a reason (`val` = "bevaka"; parking again changes the reason) or ends the parking by hand
    (`val` = "avsluta")."""
    with transaction.atomic():
        arende = las_arende(arende, version)
        kontrollera_status(arende, BEVAKA_I, "bevaka ärendet")
        if val == BEVAKA:
            orsak = (orsak or "").strip()
            if not orsak:
                raise ValidationError({"orsak": ORSAK_SAKNAS})
            arende.bevakas_sedan = arende.bevakas_sedan or timezone.now()
            identitet.satt_fritext(arende, bevakning_orsak=orsak)
            arende.bevakning_vaknade = None
            arende.bevakning_varfor = ""
            handelse = "Ärendet bevakas"
        else:
            if arende.bevakas_sedan is None:
                raise ValidationError(INTE_BEVAKAT)
            arende.bevakas_sedan = None
            handelse = "Bevakningen avslutad"
            orsak = ""
        spara(arende, fran=arende.status, handelse=handelse, anvandare=anvandare, uppdrag=uppdrag, motivering=orsak)
    return arende


def aterringning_boka(
    *, arende, klar: bool = False, datum=None, tid=None, anteckning: str = "", anvandare, uppdrag=None, version=None
) -> Arende:
    """Books a call-back (a later one replaces the booked one), or marks the booked one done (`klar`). The note is
    sealed with the case's other notes."""
    with transaction.atomic():
        arende = las_arende(arende, version)
        if klar:
            if arende.aterringning is None:
                raise ValidationError(INGEN_ATERRINGNING)
            nar = fmt.tidpunkt(arende.aterringning)
            arende.aterringning = None
            spara(arende, fran=arende.status, handelse=f"Återuppringning {nar} gjord", anvandare=anvandare,
                  uppdrag=uppdrag)  # fmt: skip
            return arende
        tidpunkt = timezone.make_aware(datetime.combine(datum, tid))
        if tidpunkt < timezone.now():
            raise ValidationError({"tid": TID_PASSERAD})
        arende.aterringning = tidpunkt
        nar = fmt.tidpunkt(tidpunkt)
        spara(arende, fran=arende.status, handelse=f"Återuppringning bokad {nar}", anvandare=anvandare,
              uppdrag=uppdrag)  # fmt: skip
        if (anteckning or "").strip():
            anteckning_skapa(
                arende=arende, anvandare=anvandare, text=f"Återuppringning {nar}: {anteckning.strip()}",
                typ=Anteckning.Typ.KONTAKT,
            )  # fmt: skip
    return arende
