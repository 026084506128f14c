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

Within one request (`EnBegaranMiddleware`) each set's version is asked for at most once, and `forhamta` asks for
several in one round trip: under load every round trip to the cache is a chance to wait for a CPU, so an API 304
does one (with the rate limit's) instead of one per set. The first version a request needs reads every watched
set's at once: a search asked the cache seven times for five versions (issue 15 point 8).

`hamta_per_nyckel` keeps values derived from a set per key (one KVÅ group's offering or waiting times, say) for as
long as the set's version is current.
"""

import logging
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
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
# The versions this request has read (EnBegaranMiddleware); None outside a request.
_begaran: ContextVar[dict[str, str] | None] = ContextVar("referensdata_begaran", default=None)
_M = TypeVar("_M", bound=models.Model)


def _version(namn: str) -> str | None:
    """The set's current version from the cache, creating one when there is none; None without a cache."""
    lasta = _begaran.get()
    if lasta is not None and namn not in lasta and namn in _bevakade:
        forhamta()  # the first version this request needs: every watched set's in one round trip
    if lasta is not None and namn in lasta:
        return lasta[namn]
    nyckel = _NYCKEL.format(namn=namn)
    try:
        version = cache.get(nyckel)
        if version is None:
            cache.add(nyckel, uuid.uuid4().hex, MAX_ALDER)
            version = cache.get(nyckel)
    except Exception:  # the cache is an optimisation only
        logger.warning("Referensdata: cachen svarar inte, läser %s från databasen.", namn)
        return None
    if lasta is not None and version is not None:
        lasta[namn] = version
    return version


def version(namn: str) -> str | None:
    """The set's current version (changes on every write of the set); None without a cache."""
    return _version(namn)


def forhamta(namn: Iterable[str] | None = None, *, rakna: str | None = None, rakna_sekunder: int = 120) -> int | None:
    """Reads the versions of these sets (default: every watched set) for the rest of this request
    (`EnBegaranMiddleware`) and, with `rakna`, adds one to that counter (created for `rakna_sekunder`), all in one
    round trip to the cache; returns the counter's new value (None without a counter or a cache)."""
    lasta = _begaran.get()
    saknas = [n for n in (sorted(_bevakade) if namn is None else namn) if lasta is not None and n not in lasta]
    nycklar = [_NYCKEL.format(namn=n) for n in saknas]
    try:
        funna, antal = _las_och_rakna(nycklar, rakna, rakna_sekunder)
    except Exception:
        return None  # each set then asks (and warns) by itself; no counter, no limit
    for n, nyckel in zip(saknas, nycklar, strict=True):
        if lasta is not None and (v := funna.get(nyckel)) is not None:
            lasta[n] = v
    return antal


_klienter: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # Django's Redis client → a redis.Redis on its pool


def _las_och_rakna(nycklar: list[str], rakna: str | None, sekunder: int) -> tuple[dict, int | None]:
    """MGET and INCR in one pipeline on Redis (Django's own incr asks EXISTS first, and each call is a round trip);
    the cache API elsewhere."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        funna = backend.get_many(nycklar) if nycklar else {}
        if rakna is None:
            return funna, None
        try:
            return funna, backend.incr(rakna)
        except ValueError:  # the counter's first use (or count on one a racer created)
            return funna, 1 if backend.add(rakna, 1, sekunder) else backend.incr(rakna)
    redis: Any = backend._cache  # Django's client: its connection pool and serializer, as its get_many uses them
    klient = _klienter.get(redis)
    if klient is None:  # Django makes a redis.Redis per call (a third of this function's CPU): keep one
        klient = _klienter.setdefault(redis, redis.get_client(write=True))
    rnycklar = [backend.make_and_validate_key(k) for k in nycklar]
    with klient.pipeline(transaction=False) as pipe:
        if rnycklar:
            pipe.mget(rnycklar)
        if rakna is not None:
            pipe.incr(backend.make_and_validate_key(rakna))
        svar = pipe.execute()
    varden = svar[0] if rnycklar else []
    funna = {k: redis._serializer.loads(v) for k, v in zip(nycklar, varden, strict=True) if v is not None}
    if rakna is None:
        return funna, None
    antal = int(svar[-1])
    if antal == 1:
        klient.expire(backend.make_and_validate_key(rakna), sekunder)
    return funna, antal


class EnBegaranMiddleware:
    """One version of each reference set per request: the first read (or `forhamta`) asks the cache, the rest of the
    request reuses it (a write in the request drops it, so the writer reads its own change)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _begaran.set({})
        try:
            return self.get_response(request)
        finally:
            _begaran.reset(token)


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


def lokal(namn: str) -> list:
    """This process's copy of the set as it is, without asking whether it is current (empty when none): a guess to
    act on before the version arrives, never an answer."""
    kopia = _lokalt.get(namn)
    return list(kopia[2]) if kopia else []


def _radera(namn: str) -> None:
    with _las:
        _lokalt.pop(namn, None)
        _per_nyckel.pop(namn, None)
    if (lasta := _begaran.get()) is not None:
        lasta.pop(namn, None)
    try:
        cache.delete(_NYCKEL.format(namn=namn))
    except Exception:
        logger.warning("Referensdata: cachen svarar inte, %s kan vara inaktuell i upp till %s s.", namn, MAX_ALDER)


def ogiltigforklara(namn: str) -> None:
    """The set changed (or is about to): drop its version now and once more after the transaction commits."""
    _radera(namn)
    transaction.on_commit(lambda: _radera(namn))


def glom_version(namn: str) -> None:
    """Drops the set's version and this process's copy now, without the database (no `on_commit`): the test suite
    does this between tests, whose rollbacks no signal reports, so that what is kept in the shared cache under a
    version (the follow-up figures, under the cases' version) cannot outlive a rolled-back test's writes."""
    _radera(namn)


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
