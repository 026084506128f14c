"""Upload services: record the file, validate it (inline or in Celery), and apply it after confirmation, or cancel.

Every upload is recorded (who, when, file name, checksum, counts). The raw file stays on the row only until
it is applied, rejected or cancelled, so confirming never needs a re-upload and any worker host can read it.
Checking, preview and applying follow the kernel's importer protocol (vardformedling.importering).
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from avtal.importer import STOR_FIL_RADER, rader_i_fil
from avtal.models import AvtalsUppladdning, Uppladdningsstatus
from avtal.tillampning import AVTAL
from vardformedling.importering import forhandsvisning, vakt
from vardformedling.importering.fel import FilAvvisad
from vardformedling.personnummer import maskera_i_text

EJ_KLAR_FOR_TILLAMPNING = "Uppladdningen kan inte tillämpas: den är {status}."
EJ_AVBRYTBAR = "Uppladdningen kan inte avbrytas: den är {status}."


def uppladdning_skapa(*, filnamn: str, innehall: bytes, anvandare=None, kommandorad: bool = False) -> AvtalsUppladdning:
    """Record the upload and check it as a file (size, type by content, XLSX bomb)."""
    u = AvtalsUppladdning(
        anvandare=anvandare,
        filnamn=(maskera_i_text(filnamn) or "okänd")[:255],  # no personnummer stored from a file name
        sha256=hashlib.sha256(innehall).hexdigest(),
        storlek=len(innehall),
        kommandorad=kommandorad,
    )
    try:
        typ = vakt.kontrollera(innehall)
    except FilAvvisad as exc:
        u.status, u.fel, u.progress, u.klar = Uppladdningsstatus.AVVISAD, exc.texter, 100, timezone.now()
        u.save()
        return u
    u.antal_rader = rader_i_fil(innehall, typ)
    u.innehall = innehall
    u.save()
    return u


def ar_stor(u: AvtalsUppladdning) -> bool:
    """Files over ~2,000 rows are validated and applied by a Celery worker with a progress bar."""
    return u.antal_rader > STOR_FIL_RADER


def _progress(u: AvtalsUppladdning):
    def satt(pct: int) -> None:
        AvtalsUppladdning.objects.filter(pk=u.pk).update(progress=pct)

    return satt


def uppladdning_validera(*, uppladdning_id: int) -> AvtalsUppladdning:
    """Validate every row; on success store the preview and wait for confirmation, else store all errors."""
    u = AvtalsUppladdning.objects.get(pk=uppladdning_id)
    if u.status != Uppladdningsstatus.MOTTAGEN:
        return u
    try:
        plan = forhandsvisning.forhandsgranska(AVTAL, bytes(u.innehall), progress=_progress(u))
    except FilAvvisad as exc:
        return _avvisa(u, exc.texter)
    u.forhandsvisning = plan.forhandsvisning
    u.antal_rader = plan.antal_rader
    u.antal_nya, u.antal_andrade = len(plan.nya), len(plan.andrade)
    u.antal_oforandrade, u.antal_saknade = len(plan.oforandrade), len(plan.saknade)
    u.status, u.progress = Uppladdningsstatus.GRANSKNING, 100
    u.save()
    return u


def _avvisa(u: AvtalsUppladdning, fel: list[str]) -> AvtalsUppladdning:
    u.fel = fel
    u.status, u.progress, u.klar, u.innehall = Uppladdningsstatus.AVVISAD, 100, timezone.now(), b""
    u.save()
    return u


def uppladdning_paborja(*, uppladdning_id: int) -> AvtalsUppladdning:
    """Confirmation: move a previewed upload to 'being applied' exactly once (double clicks do nothing)."""
    with transaction.atomic():
        u = AvtalsUppladdning.objects.select_for_update().get(pk=uppladdning_id)
        if u.status != Uppladdningsstatus.GRANSKNING:
            raise ValidationError(EJ_KLAR_FOR_TILLAMPNING.format(status=u.get_status_display().lower()))
        u.status, u.progress = Uppladdningsstatus.TILLAMPAR, 0
        u.save(update_fields=["status", "progress"])
    return u


def uppladdning_tillampa(*, uppladdning_id: int) -> AvtalsUppladdning:
    """Apply a confirmed upload. The file is validated again against today's database, then written atomically."""
    u = AvtalsUppladdning.objects.get(pk=uppladdning_id)
    if u.status != Uppladdningsstatus.TILLAMPAR:
        return u
    try:
        plan, resultat = forhandsvisning.tillampa(AVTAL, bytes(u.innehall), progress=_progress(u))
    except FilAvvisad as exc:
        u.fel = exc.texter
        u.status, u.klar, u.progress = Uppladdningsstatus.MISSLYCKAD, timezone.now(), 100
        u.save()
        return u
    u.antal_nya, u.antal_andrade = resultat["nya"], resultat["andrade"]
    u.antal_oforandrade, u.antal_saknade = resultat["oforandrade"], resultat["saknade"]
    u.forhandsvisning = {**plan.forhandsvisning, "resultat": resultat}
    u.status, u.progress, u.klar, u.innehall = Uppladdningsstatus.TILLAMPAD, 100, timezone.now(), b""
    u.save()
    return u


def uppladdning_avbryt(*, uppladdning_id: int) -> AvtalsUppladdning:
    """Cancel an upload waiting for confirmation: nothing is applied, the raw file is dropped, the list says so."""
    with transaction.atomic():
        u = AvtalsUppladdning.objects.select_for_update().get(pk=uppladdning_id)
        if u.status != Uppladdningsstatus.GRANSKNING:
            raise ValidationError(EJ_AVBRYTBAR.format(status=u.get_status_display().lower()))
        u.status, u.klar, u.innehall = Uppladdningsstatus.AVBRUTEN, timezone.now(), b""
        u.save(update_fields=["status", "klar", "innehall"])
    return u


def importera_direkt(*, filnamn: str, innehall: bytes, anvandare=None) -> AvtalsUppladdning:
    """`import_avtal`: the same checks, applied without a preview. Returns the upload with status and errors."""
    u = uppladdning_skapa(filnamn=filnamn, innehall=innehall, anvandare=anvandare, kommandorad=True)
    if u.status == Uppladdningsstatus.AVVISAD:
        return u
    u = uppladdning_validera(uppladdning_id=u.pk)
    if u.status != Uppladdningsstatus.GRANSKNING:
        return u
    uppladdning_paborja(uppladdning_id=u.pk)
    return uppladdning_tillampa(uppladdning_id=u.pk)
