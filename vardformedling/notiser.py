"""Notices to regions and users: written once here, shown in the header list and sent by e-mail.

`skicka` creates one notice per region (or one to a user) and, when the transaction commits, e-mails every
active user of those regions' commissions in the given roles who has an address (Django's e-mail backend: the
console in `make run`, SMTP in production; README "Notiser"). Which notices exist and when is the apps' business
(avtal: volume thresholds; katalog: capacity announcements)."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Exists, OuterRef

from vardformedling.models import Notis, NotisLast, Roll, User

logger = logging.getLogger(__name__)


def skicka(
    *, typ: str, rubrik: str, text: str = "", lank: str = "", regioner: Iterable[str] = (),
    anvandare: Iterable[User] = (), roller: Iterable[str] = (Roll.KOORDINATOR,),
) -> list[Notis]:  # fmt: skip
    """One notice per region code in `regioner` and per user in `anvandare`; e-mail to the regions' users in
    `roller` and to the named users, sent after commit."""
    koder = sorted(set(regioner))
    notiser = [Notis(region_id=k, typ=typ, rubrik=rubrik, text=text, lank=lank) for k in koder]
    personer = list({u.pk: u for u in anvandare}.values())
    notiser += [Notis(anvandare=u, typ=typ, rubrik=rubrik, text=text, lank=lank) for u in personer]
    Notis.objects.bulk_create(notiser)
    mottagare = set(
        User.objects.filter(is_active=True, uppdrag__region_id__in=koder, uppdrag__roll__in=list(roller))
        .exclude(epost="")
        .values_list("epost", flat=True)
    ) | {u.epost for u in personer if u.epost}
    if mottagare:
        meddelande = _e_post(rubrik, text, lank)
        transaction.on_commit(lambda: _skicka_e_post(meddelande, sorted(mottagare)))
    return notiser


def _e_post(rubrik: str, text: str, lank: str) -> tuple[str, str]:
    bas = getattr(settings, "PORTAL_URL", "").rstrip("/")
    delar = [text] if text else []
    if lank:
        delar.append(f"Se mer i Vårdförmedlingstjänsten: {bas}{lank}")
    delar.append("Du får det här meddelandet för att du har ett medarbetaruppdrag i regionen.")
    return f"Vårdförmedlingstjänsten: {rubrik}", "\n\n".join(delar)


def _skicka_e_post(meddelande: tuple[str, str], mottagare: list[str]) -> None:
    amne, brodtext = meddelande
    try:
        send_mass_mail([(amne, brodtext, settings.DEFAULT_FROM_EMAIL, [m]) for m in mottagare], fail_silently=False)
    except OSError:  # an SMTP server away must never undo the write that caused the notice; it is in the portal
        logger.warning("Notis kunde inte skickas med e-post till %d mottagare: %s", len(mottagare), amne)


def for_anvandare(user, uppdrag):
    """The user's notices, newest first, with `last` (read by this user) annotated."""
    lasta = NotisLast.objects.filter(notis=OuterRef("pk"), anvandare=user)
    return Notis.objects.till(user, uppdrag).annotate(last=Exists(lasta)).select_related("region")


def olasta(user, uppdrag) -> int:
    return for_anvandare(user, uppdrag).filter(last=False).count()


def markera_last(user, uppdrag, *, notis_id: int | None = None) -> int:
    """Mark one of the user's notices (or all of them) read; returns how many were marked."""
    qs = for_anvandare(user, uppdrag).filter(last=False)
    if notis_id is not None:
        qs = qs.filter(pk=notis_id)
    ids = list(qs.values_list("pk", flat=True))
    NotisLast.objects.bulk_create([NotisLast(notis_id=i, anvandare=user) for i in ids], ignore_conflicts=True)
    return len(ids)
