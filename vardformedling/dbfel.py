"""Which database and queue errors mean "the infrastructure is away or busy for a moment" rather than "this request
or this file is wrong". Django wraps the driver's error (as __cause__); psycopg's own is judged by its SQLSTATE
(PostgreSQL, appendix A)."""

import psycopg
from django.db import InterfaceError, OperationalError
from redis.exceptions import RedisError

# A server going away or not yet accepting connections: admin_shutdown, crash_shutdown, cannot_connect_now. Class 08
# (connection exception) is matched by its prefix.
SQLSTATE_SERVERN_GAR_NER = {"57P01", "57P02", "57P03"}
# A conflict with another transaction that the same work resolves when tried again: serialization_failure,
# deadlock_detected, lock_not_available (lock_timeout).
SQLSTATE_FORSOK_IGEN = {"40001", "40P01", "55P03"}


def _drivrutinsfel(exc: BaseException | None) -> BaseException | None:
    return exc.__cause__ if isinstance(exc, OperationalError) else exc


def databasen_nas_inte(exc: BaseException | None) -> bool:
    """True when the error means the database could not be reached (down, restarting, connection lost); False for
    an error a working database gave, such as a query cancelled by statement_timeout (57014) or a lock timeout
    (55P03): SQLSTATE none (the connection failed before the server said anything), class 08, or 57P01–57P03."""
    if isinstance(exc, InterfaceError | psycopg.InterfaceError):  # e.g. "connection already closed"
        return True
    orsak = _drivrutinsfel(exc)
    if not isinstance(orsak, psycopg.OperationalError):
        return False
    sqlstate = orsak.sqlstate
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in SQLSTATE_SERVERN_GAR_NER


def tillfalligt_fel(exc: BaseException | None) -> bool:
    """True when the same work will most likely succeed if tried again later: the database unreachable
    (databasen_nas_inte), Redis gone, or a conflict with another transaction (SQLSTATE_FORSOK_IGEN). False for
    what a working database answers again for the same work: statement timeout (57014), out of memory or disk full
    (class 53), program limits (class 54) and the like."""
    if isinstance(exc, RedisError) or databasen_nas_inte(exc):
        return True
    orsak = _drivrutinsfel(exc)
    return isinstance(orsak, psycopg.Error) and orsak.sqlstate in SQLSTATE_FORSOK_IGEN
