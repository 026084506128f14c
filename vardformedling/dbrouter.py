"""Read replica: read-only pages read from a PostgreSQL streaming replica, everything else uses the primary.

Settings (vardformedling/settings.py, README "Running at national scale"):

- ``DATABASE_REPLICA_URL`` names the replica (database alias ``replica``). Absent: no replica, all on the primary.
- ``DATABASE_REPLICA_VYER``: the read-only pages (search, lägesbild, follow-up, API) whose GET and HEAD requests
  may read from the replica, by URL name or namespace; ``DATABASE_REPLICA_UNDANTAG``: those among them that may not.
- ``DATABASE_REPLICA_MAX_LAG`` (s): a replica further behind than this is bypassed.
- ``DATABASE_REPLICA_KONTROLL`` (s): the lag is asked at most this often per process (cached in between).
- ``DATABASE_REPLICA_PIN`` (s): after a request that wrote, the browser is pinned to the primary this long (cookie).

A user never misses their own write:

1. Only requests the middleware marks (a GET/HEAD of a read-only page, no pin cookie) may read from the replica;
   everything else (POSTs, other pages, Celery tasks, management commands) reads from the primary.
2. Within a request, the first write pins the rest of the request to the primary, and reads inside a transaction
   on the primary stay there.
3. A request that wrote sets the pin cookie. The pin lasts longer than the largest lag the replica may have plus the
   lag check's cache, so when it expires the replica holds the write (or is bypassed as too far behind).

A replica that cannot be reached or is too far behind is bypassed until the next check; a query that fails because
the replica went away between two checks is answered again from the primary (no 500).
"""

import contextvars
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from vardformedling.dbfel import databasen_nas_inte

REPLIKA = "replica"
PIN_COOKIE = "vf_primar"
logger = logging.getLogger(__name__)

# How far the replica is behind, in seconds. Caught up with everything it has received: 0 (an idle primary sends
# nothing new, so the age of the last replayed transaction says nothing). Not in recovery (promoted, or the URL
# names the primary itself): 0. Behind with nothing replayed since it started: unknown, so too far behind.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
END
"""


@dataclass
class _Lage:
    """What the current request may do: read from the replica, and whether it has written (pinned)."""

    replika: bool = False
    pinnad: bool = False
    last_fran_replika: bool = False


# None outside a request the middleware handles (Celery tasks, management commands): the primary.
_lage: contextvars.ContextVar[_Lage | None] = contextvars.ContextVar("vf_dblage", default=None)


def replika_konfigurerad() -> bool:
    return REPLIKA in settings.DATABASES


class _Halsa:
    """The replica's state as last checked, per process: usable or not, and when it was checked."""

    def __init__(self) -> None:
        self.las = threading.Lock()
        self.kontrollerad = float("-inf")
        self.anvandbar = False
        self.lag: float | None = None

    def nollstall(self) -> None:
        with self.las:
            self.kontrollerad = float("-inf")
            self.anvandbar = False
            self.lag = None

    def markera_nere(self) -> None:
        with self.las:
            self.kontrollerad = time.monotonic()
            self.anvandbar = False
            self.lag = None

    def anvandbar_nu(self, *, tvinga: bool = False) -> bool:
        """Whether the replica may be read now; asks it (lag query) when the last answer is older than the check
        interval or `tvinga`. Never raises: a replica that does not answer is not usable."""
        with self.las:
            if not tvinga and time.monotonic() - self.kontrollerad < settings.DATABASE_REPLICA_KONTROLL:
                return self.anvandbar
            try:
                lag = float(_fraga_lag())
            except Exception as exc:  # down, refusing, timing out: bypassed until the next check
                logger.warning("Läsreplikan svarar inte, primären används: %s", exc.__class__.__name__)
                _stang_replika()
                self.anvandbar, self.lag = False, None
            else:
                self.lag = lag
                self.anvandbar = lag <= settings.DATABASE_REPLICA_MAX_LAG
                if not self.anvandbar:
                    logger.warning("Läsreplikan ligger %.1f s efter, primären används", lag)
            self.kontrollerad = time.monotonic()
            return self.anvandbar


halsa = _Halsa()


def _fraga_lag() -> float:
    with connections[REPLIKA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        return cursor.fetchone()[0]


def _stang_replika() -> None:
    try:
        connections[REPLIKA].close()
    except Exception:  # a broken connection may fail to close; it is dropped either way
        logger.debug("Kunde inte stänga replikans anslutning", exc_info=True)


def _traff(match, namn: list[str]) -> bool:
    """Whether the resolved URL is one of `namn`: a URL name ("katalog:sok") or a whole namespace ("lagesbild")."""
    return match.view_name in namn or any(
        match.namespace == n or match.namespace.startswith(f"{n}:") for n in namn if ":" not in n
    )


def las_sida(match) -> bool:
    """Whether the resolved URL (request.resolver_match) is a read-only page that may read from the replica."""
    if match is None:
        return False
    return _traff(match, settings.DATABASE_REPLICA_VYER) and not _traff(match, settings.DATABASE_REPLICA_UNDANTAG)


class ReplikaRouter:
    """DATABASE_ROUTERS entry: reads to the replica only inside a request the middleware allowed it for, until that
    request writes; writes and migrations always to the primary."""

    def db_for_read(self, model, **hints):
        lage = _lage.get()
        if lage is None or not lage.replika or lage.pinnad or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        lage.last_fran_replika = True
        return REPLIKA

    def db_for_write(self, model, **hints):
        lage = _lage.get()
        if lage is not None:
            lage.pinnad = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's data: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplikaMiddleware:
    """Decides per request, once its URL is resolved (process_view: the session, the user and the active commission
    have been read from the primary by then), whether reads may go to the replica; pins a browser that wrote to the
    primary for DATABASE_REPLICA_PIN seconds, and answers a read-only page again from the primary when the replica
    went away mid-request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replika_konfigurerad():
            return self.get_response(request)
        lage = _Lage()
        token = _lage.set(lage)
        try:
            response = self.get_response(request)
        finally:
            _lage.reset(token)
        if lage.pinnad or request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        lage = _lage.get()
        if lage is not None:
            lage.replika = (
                request.method in ("GET", "HEAD")
                and PIN_COOKIE not in request.COOKIES
                and las_sida(request.resolver_match)
                and halsa.anvandbar_nu()
            )
        return None

    def process_exception(self, request, exception):
        lage = _lage.get()
        if not (lage is not None and lage.replika and lage.last_fran_replika and databasen_nas_inte(exception)):
            return None
        if halsa.anvandbar_nu(tvinga=True):
            return None  # the replica answers: the error was the primary's, handled as any database error
        logger.warning("Läsreplikan försvann under %s, sidan läses från primären", request.path_info)
        lage.replika = False
        match = request.resolver_match
        response = match.func(request, *match.args, **match.kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        return response
