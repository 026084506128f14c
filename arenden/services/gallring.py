"""Retention (gallring) of patient identity, issue 16 point 5: crypto-shredding after a region's retention period.

A closed case's identity is kept `manader(region)` months after the case was closed (GALLRING_MANADER, default 24;
GALLRING_MANADER_<RR> per region). After that the nightly beat task (arenden.tasks.gallra_identiteter) destroys the
case's wrapped data key and its sealed identity (`identitet.gallra`): the ciphertext could not be opened any more
even from a backup taken after the key row is gone, and the pseudonymous record, its history and the access log
stay, as the law requires for logs. `python manage.py gallra --torrkorning` lists what would be shredded.
"""

import calendar
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from arenden.models import Arende, Status
from arenden.services import identitet
from vardformedling.models import Region

AVSLUTADE = (Status.AVSLUTAD, Status.AVSLUTAD_TIDIGT)


def manader(region_kod: str) -> int:
    """The region's retention period in months after closing."""
    per_region = getattr(settings, "GALLRING_MANADER_REGION", {}) or {}
    return int(per_region.get(region_kod, getattr(settings, "GALLRING_MANADER", 24)))


def manader_bakat(tid: datetime, antal: int) -> datetime:
    """`tid` moved `antal` calendar months back (the 31st becomes the month's last day)."""
    total = tid.year * 12 + tid.month - 1 - antal
    ar, manad = divmod(total, 12)
    sista = calendar.monthrange(ar, manad + 1)[1]
    return tid.replace(year=ar, month=manad + 1, day=min(tid.day, sista))


def grans(region_kod: str, nu: datetime | None = None) -> datetime:
    """Cases of the region closed before this moment are past retention."""
    return manader_bakat(nu or timezone.now(), manader(region_kod))


def forfallna(nu: datetime | None = None):
    """Closed cases past their region's retention whose identity is not yet shredded, oldest first."""
    villkor = Q()
    for kod in Region.objects.values_list("kod", flat=True):
        villkor |= Q(region_id=kod, avslutad_datum__lt=grans(kod, nu))
    return (
        Arende.objects.filter(villkor, status__in=AVSLUTADE, identitet_gallrad__isnull=True)
        .filter(Q(identitet_nyckel__isnull=False) | Q(identitet_chiffer__isnull=False))
        .order_by("avslutad_datum", "id")
    )


@dataclass(frozen=True)
class Gallrat:
    case_id: str
    region_kod: str
    avslutad: datetime
    manader: int


def gallra_forfallna(*, torrkorning: bool = False, nu: datetime | None = None) -> list[Gallrat]:
    """Shreds (or with `torrkorning` only lists) every case past retention; each shred in its own transaction."""
    ut = []
    for a in forfallna(nu).only("pk", "case_id", "region_id", "avslutad_datum").iterator(chunk_size=500):
        ut.append(Gallrat(a.case_id, a.region_id, a.avslutad_datum, manader(a.region_id)))
        if not torrkorning:
            with transaction.atomic():
                identitet.gallra(a)
    return ut
