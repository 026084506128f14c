"""Catalogue upload services: check the file and store its preview, then apply it on confirmation, or cancel it.

Every upload is recorded (who, when, file name, checksum, counts). The raw file stays on the record only while it
waits for confirmation. Confirming checks the file again against the database as it is then, and refuses to
deactivate more than the allowed share of active units unless the administrator confirmed that exact number.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction

from katalog.importer import KATALOG, KLAR, redan_inlast_text, senast_inlast
from katalog.models import KatalogImport
from katalog.tillampning import kontrollera_inaktivering
from vardformedling.importering import forhandsvisning
from vardformedling.importering.fel import FilAvvisad
from vardformedling.personnummer import maskera_i_text

EJ_KLAR_FOR_TILLAMPNING = "Inläsningen kan inte bekräftas: den är {status}."
EJ_AVBRYTBAR = "Inläsningen kan inte avbrytas: den är {status}."


def katalogfil_granska(*, data: bytes, filnamn: str, anvandare=None) -> KatalogImport:
    """Check the whole file and plan it; store the preview and wait for confirmation (or store every error)."""
    imp = KatalogImport(
        importerad_av=anvandare,
        filnamn=(maskera_i_text(filnamn) or "okänd")[:255],  # no personnummer stored from a file name
        sha256=hashlib.sha256(data).hexdigest(),
    )
    if senaste := senast_inlast(imp.sha256):
        imp.status, imp.fel = KatalogImport.Status.REDAN_INLAST, [redan_inlast_text(senaste)]
        imp.save()
        return imp
    try:
        plan = forhandsvisning.forhandsgranska(KATALOG, data)
    except FilAvvisad as exc:
        imp.status, imp.fel = KatalogImport.Status.AVVISAD, exc.texter
        imp.save()
        return imp
    f = plan.forhandsvisning
    imp.status, imp.innehall = KatalogImport.Status.GRANSKNING, data
    imp.forhandsvisning = {**f, "kraver_bekraftelse": plan.kraver_bekraftelse}
    imp.antal_rader = len(plan.rader)
    imp.antal_nya, imp.antal_andrade, imp.antal_oforandrade = len(f["nya"]), len(f["andrade"]), plan.oforandrade
    imp.antal_inaktiverade = len(plan.inaktiveras)
    imp.save()
    return imp


def katalogfil_tillampa(*, import_id: int, bekraftat_antal: int | None = None) -> KatalogImport:
    """Apply a previewed file. ValidationError (nothing changes, the preview stays) when it is not waiting for
    confirmation, or when it would deactivate more units than allowed and `bekraftat_antal` is not that number;
    a file that no longer passes against today's database is rejected with its errors."""
    with transaction.atomic():
        imp = KatalogImport.objects.select_for_update().get(pk=import_id)
        if imp.status != KatalogImport.Status.GRANSKNING:
            raise ValidationError(EJ_KLAR_FOR_TILLAMPNING.format(status=imp.get_status_display().lower()))
        try:
            with transaction.atomic():
                _plan, antal = forhandsvisning.tillampa(
                    KATALOG,
                    bytes(imp.innehall),
                    kontroll=lambda p: _kontroll(p, bekraftat_antal),
                )
        except _Obekraftad as exc:
            raise ValidationError(exc.meddelande) from None
        except FilAvvisad as exc:
            imp.status, imp.fel, imp.innehall = KatalogImport.Status.AVVISAD, exc.texter, b""
            imp.save(update_fields=["status", "fel", "innehall"])
            return imp
        imp.status, imp.innehall = KatalogImport.Status.KLAR, b""
        imp.antal_nya, imp.antal_andrade = antal["nya"], antal["andrade"]
        imp.antal_oforandrade, imp.antal_inaktiverade = antal["oforandrade"], antal["inaktiverade"]
        imp.forhandsvisning = {**imp.forhandsvisning, "resultat": KLAR.format(**antal)}
        imp.save()
    return imp


class _Obekraftad(Exception):
    def __init__(self, meddelande: str):
        self.meddelande = meddelande


def _kontroll(plan, bekraftat_antal: int | None) -> None:
    try:
        kontrollera_inaktivering(plan, bekraftat_antal=bekraftat_antal)
    except FilAvvisad as exc:  # not a fault in the file: the administrator may confirm the number
        raise _Obekraftad(exc.fel[0].meddelande) from None


def katalogfil_avbryt(*, import_id: int) -> KatalogImport:
    """Cancel a file waiting for confirmation: nothing is applied, the raw file is dropped, the list says so."""
    with transaction.atomic():
        imp = KatalogImport.objects.select_for_update().get(pk=import_id)
        if imp.status != KatalogImport.Status.GRANSKNING:
            raise ValidationError(EJ_AVBRYTBAR.format(status=imp.get_status_display().lower()))
        imp.status, imp.innehall = KatalogImport.Status.AVBRUTEN, b""
        imp.save(update_fields=["status", "innehall"])
    return imp
