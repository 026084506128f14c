"""Reminders for offers past their answer deadline (run every morning by Celery beat)."""

from django.db import transaction
from django.utils import timezone

from arenden.models import Anteckning, Erbjudande

PAMINNELSE = "Påminnelse: patienten har inte svarat på erbjudandet från {enhet} (svar senast {frist:%Y-%m-%d})."


def paminnelser_skapa(*, idag=None) -> int:
    """One reminder note per unanswered offer past its deadline; an offer is reminded once. Returns the count."""
    idag = idag or timezone.localdate()
    with transaction.atomic():
        forfallna = list(
            Erbjudande.objects.select_for_update(of=("self",))
            .filter(status=Erbjudande.Status.LAMNAT, svarsfrist__lt=idag, paminnelse_skapad__isnull=True)
            .select_related("vardenhet")
        )
        Anteckning.objects.bulk_create(
            [
                Anteckning(
                    arende_id=e.arende_id,
                    typ=Anteckning.Typ.PAMINNELSE,
                    text=PAMINNELSE.format(enhet=e.vardenhet.namn, frist=e.svarsfrist),
                )
                for e in forfallna
            ]
        )
        Erbjudande.objects.filter(pk__in=[e.pk for e in forfallna]).update(paminnelse_skapad=timezone.now())
    return len(forfallna)
