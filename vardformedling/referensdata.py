"""Reference data that changes only when something is imported (regions, KVÅ groups, the newest register
deliveries), read once per process and version instead of once per request.

Each set has a version key in the shared cache (Redis in production), so every process sees a change at once: a
reader asks the cache for the version (one round trip) and reuses the rows it loaded for that version. The owner
of a set calls `ogiltigforklara` on every write (signals on save/delete, a queryset's bulk operations,
post_migrate); that drops the version now and again when the surrounding transaction commits, so a reader that
loaded during the write cannot keep the old rows. Without a reachable cache the rows are read from the database
each time (the page never fails because of the cache), and a version lives at most `MAX_ALDER` so a change the
cache missed while it was down still shows.

Callers get a new list each time (the rows themselves are shared: treat them as read-only).

Within one request the versions are read once, every set's in one round trip (`cache.get_many`): a search asked
the cache seven times for five versions (issue 15 point 8). A write during the request drops its set's version
from that snapshot too, so the request's own later reads see it.
"""

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import models, transaction
from django.db.models.signals import post_delete, post_migrate, post_save

logger = logging.getLogger(__name__)

MAX_ALDER = 600  # seconds: the longest a version (and so a process's copy) is used
_NYCKEL = "vf:referensdata:{namn}:v1"
_lokalt: dict[str, tuple[str, float, list]] = {}  # name → (version, loaded at, rows)
PER_NYCKEL_MAX = 256  # values kept per set by `hamta_per_nyckel` (e.g. one KVÅ group's figures each)
_per_nyckel: dict[str, tuple[str, float, OrderedDict]] = {}  # name → (version, loaded at, key → value)
_las = threading.Lock()
_bevakade: set[str] = set()
_M = TypeVar("_M", bound=models.Model)


_begaran = threading.local()  # .versioner: the current request's snapshot of versions (None outside requests)
BEGARAN_MAX_SEKUNDER = 30.0  # a snapshot older than this (a request that never finished) is not trusted


def _begaran_borjar(**_kwargs) -> None:
    _begaran.versioner = (time.monotonic(), {})


def _begaran_slutar(**_kwargs) -> None:
    _begaran.versioner = None


request_started.connect(_begaran_borjar, weak=False, dispatch_uid="referensdata:request_started")
request_finished.connect(_begaran_slutar, weak=False, dispatch_uid="referensdata:request_finished")


def _begarans_versioner() -> dict[str, str] | None:
    snapshot = getattr(_begaran, "versioner", None)
    if snapshot is None or time.monotonic() - snapshot[0] > BEGARAN_MAX_SEKUNDER:
        return None
    return snapshot[1]


def _version(namn: str) -> str | None:
    """The set's current version from the cache, creating one when there is none; None without a cache. In a
    request, the first call reads every watched set's version at once and later calls reuse them."""
    nyckel = _NYCKEL.format(namn=namn)
    versioner = _begarans_versioner()
    if versioner is not None and namn in versioner:
        return versioner[namn]
    try:
        if versioner is not None:
            namnen = sorted(_bevakade | {namn})
            funna = cache.get_many([_NYCKEL.format(namn=n) for n in namnen])
            versioner.update({n: funna[_NYCKEL.format(namn=n)] for n in namnen if _NYCKEL.format(namn=n) in funna})
            version = versioner.get(namn)
        else:
            version = cache.get(nyckel)
        if version is None:
            cache.add(nyckel, uuid.uuid4().hex, MAX_ALDER)
            version = cache.get(nyckel)
            if versioner is not None and version is not None:
                versioner[namn] = version
    except Exception:  # the cache is an optimisation only
        logger.warning("Referensdata: cachen svarar inte, läser %s från databasen.", namn)
        return None
    return version


def hamta(namn: str, laddare: Callable[[], Iterable]) -> list:
    """The rows of set `namn`: this process's copy when its version is current, else `laddare()`."""
    version = _version(namn)
    if version is None:
        return list(laddare())
    lokal = _lokalt.get(namn)
    if lokal and lokal[0] == version and time.monotonic() - lokal[1] < MAX_ALDER:
        return list(lokal[2])
    rader = list(laddare())
    with _las:
        _lokalt[namn] = (version, time.monotonic(), rader)
    return list(rader)


def hamta_per_nyckel(namn: str, nyckel: Hashable, laddare: Callable[[], Any]) -> Any:
    """A value derived from set `namn` for one key (one KVÅ group's figures, say): this process's copy while the
    set's version is current, else `laddare()`. The least recently used of more than PER_NYCKEL_MAX keys is
    dropped; a new version drops them all. The value is shared: treat it as read-only."""
    version = _version(namn)
    if version is None:
        return laddare()
    with _las:
        lokal = _per_nyckel.get(namn)
        if lokal and lokal[0] == version and time.monotonic() - lokal[1] < MAX_ALDER and nyckel in lokal[2]:
            lokal[2].move_to_end(nyckel)
            return lokal[2][nyckel]
    varde = laddare()
    with _las:
        lokal = _per_nyckel.get(namn)
        if not lokal or lokal[0] != version or time.monotonic() - lokal[1] >= MAX_ALDER:
            lokal = _per_nyckel[namn] = (version, time.monotonic(), OrderedDict())
        lokal[2][nyckel] = varde
        if len(lokal[2]) > PER_NYCKEL_MAX:
            lokal[2].popitem(last=False)
    return varde


def _radera(namn: str) -> None:
    with _las:
        _lokalt.pop(namn, None)
        _per_nyckel.pop(namn, None)
    versioner = _begarans_versioner()
    if versioner is not None:
        versioner.pop(namn, None)
    try:
        cache.delete(_NYCKEL.format(namn=namn))
    except Exception:
        logger.warning("Referensdata: cachen svarar inte, %s kan vara inaktuell i upp till %s s.", namn, MAX_ALDER)


def ogiltigforklara(namn: str) -> None:
    """The set changed (or is about to): drop its version now and once more after the transaction commits."""
    _radera(namn)
    transaction.on_commit(lambda: _radera(namn))


def glom_allt() -> None:
    """Forget every process copy (the test suite does this between tests, whose rollbacks no signal reports)."""
    with _las:
        _lokalt.clear()
        _per_nyckel.clear()


def regioner() -> list:
    """The 21 regions, by code."""
    from vardformedling.models import Region

    return hamta("regioner", lambda: Region.objects.all())


def bevaka(modell: type[models.Model], namn: str, *, radering: bool = True) -> None:
    """Invalidate set `namn` on every save and delete of `modell` (bulk writes: `ReferensQuerySet`) and after
    every `migrate` (data migrations write through historical models, which send no signals to these receivers).
    `radering=False`: no delete signal, so that a queryset's DELETE of many rows stays one statement (a delete
    receiver makes Django fetch and signal every row); the queryset's own `delete()` still invalidates."""

    def _andrad(**_kwargs) -> None:
        ogiltigforklara(namn)

    uid = f"referensdata:{namn}:{modell._meta.label}"
    post_save.connect(_andrad, sender=modell, weak=False, dispatch_uid=uid + ":save")
    if radering:
        post_delete.connect(_andrad, sender=modell, weak=False, dispatch_uid=uid + ":delete")
    _bevakade.add(namn)


def _efter_migrate(**_kwargs) -> None:
    for namn in sorted(_bevakade):
        ogiltigforklara(namn)


post_migrate.connect(_efter_migrate, weak=False, dispatch_uid="referensdata:post_migrate")


class ReferensQuerySet(models.QuerySet[_M]):
    """A queryset whose bulk writes, which send no model signals, invalidate the reference set `referensdata`."""

    referensdata = ""

    def bulk_create(self, *args, **kwargs):
        ogiltigforklara(self.referensdata)
        return super().bulk_create(*args, **kwargs)

    def bulk_update(self, *args, **kwargs):
        ogiltigforklara(self.referensdata)
        return super().bulk_update(*args, **kwargs)

    def update(self, *args, **kwargs):
        ogiltigforklara(self.referensdata)
        return super().update(*args, **kwargs)

    def delete(self):
        ogiltigforklara(self.referensdata)
        return super().delete()

    delete.__dict__["queryset_only"] = True  # as QuerySet's own: not copied to the manager
