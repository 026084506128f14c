"""Writes in the catalogue app: capacity announcements."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from katalog import matchning
from katalog.models import Kapacitetsannons

FEL_INTE_FORFATTARE = "Bara den som skrev annonsen kan återkalla den."
FEL_REDAN_ATERKALLAD = "Annonsen är redan återkallad."


@transaction.atomic
def kapacitetsannons_skapa(*, user, uppdrag, data: dict) -> Kapacitetsannons:
    """Publishes an announcement in the author's name and commission: its unit, and the unit's region if any."""
    vardenhet = uppdrag.vardenhet if uppdrag else None
    region_id = vardenhet.region_id if vardenhet else (uppdrag.region_id if uppdrag else None)
    annons = Kapacitetsannons.objects.create(skapad_av=user, region_id=region_id, vardenhet=vardenhet, **data)
    if annons.typ == Kapacitetsannons.Typ.ERBJUDER:
        matchning.meddela(annons)
    return annons


@transaction.atomic
def kapacitetsannons_aterkalla(*, annons_id: int, user) -> Kapacitetsannons:
    """Only the author may withdraw; withdrawing is recorded with the time and hides the announcement."""
    annons = Kapacitetsannons.objects.select_for_update().get(pk=annons_id)
    if annons.skapad_av_id != user.pk:
        raise ValidationError(FEL_INTE_FORFATTARE)
    if annons.aterkallad:
        raise ValidationError(FEL_REDAN_ATERKALLAD)
    annons.aterkallad = True
    annons.aterkallad_tid = timezone.now()
    annons.save(update_fields=["aterkallad", "aterkallad_tid"])
    return annons
