"""Session expiry and login throttling, simulated in time.

Idle expiry is the server-side session's expiry date (SESSION_COOKIE_AGE, pushed forward on every request) and
the 10-hour limit is `SessionLifetimeMiddleware`: both are checked by moving the clock the server reads
(django.utils.timezone.now and the middleware's time.time). The lockout is django-axes' cool-off: its recorded
failures are moved back in time.
"""

import time
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import F
from django.utils import timezone

from tests.factories import make_user
from vardformedling import middleware
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db

_real_now = timezone.now
_real_time = time.time


@contextmanager
def clock(minutes: float):
    """The server's clock `minutes` ahead of real time, for the duration of the block."""
    offset = timedelta(minutes=minutes)
    with (
        mock.patch("django.utils.timezone.now", lambda: _real_now() + offset),
        mock.patch.object(middleware, "time", SimpleNamespace(time=lambda: _real_time() + offset.total_seconds())),
    ):
        yield


def _sent_to_login(response, path: str) -> bool:
    location = urlsplit(response.get("Location", ""))
    return response.status_code == 302 and location.path == "/login/" and parse_qs(location.query)["next"] == [path]


@pytest.fixture
def signed_in(client):
    """A navigator signed in through the login page; returns the client and its session key."""
    user = make_user(Roll.VARDLOTS, "20")
    assert client.post("/login/", {"hsa_id": user.hsa_id}).status_code == 302
    return client, client.session.session_key


def _replay(key: str, path: str):
    """A new browser presenting the old session cookie."""
    from django.test import Client

    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = key
    return other.get(path)


def test_a_session_idle_for_more_than_30_minutes_ends_and_its_key_no_longer_works(signed_in):
    client, key = signed_in
    # Activity every 29 minutes keeps the session: idle time counts from the last request, not from sign-in.
    for minutes in (29, 58):
        with clock(minutes):
            assert client.get("/arenden/").status_code == 200, minutes
            assert client.session.session_key == key
            expiry = Session.objects.get(session_key=key).expire_date
            assert expiry - timezone.now() > timedelta(minutes=29), "the expiry moves with each request"
    # 31 minutes without a request: the next one is sent to the login page and the cookie is cleared.
    with clock(58 + 31):
        response = client.get("/arenden/?flik=region")
        assert _sent_to_login(response, "/arenden/?flik=region")
        assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""
        assert not Session.objects.filter(session_key=key, expire_date__gt=timezone.now()).exists()
        assert _sent_to_login(_replay(key, "/"), "/")


def test_the_nightly_cleanup_removes_expired_session_rows_and_keeps_live_ones(signed_in, client_for):
    from vardformedling.tasks import rensa_sessioner

    _client, idle_key = signed_in
    with clock(31):
        active = client_for(Roll.KOORDINATOR, "06")
        assert active.get("/").status_code == 200
        active_key = active.session.session_key
        assert rensa_sessioner.delay().get() == 1
    assert set(Session.objects.values_list("session_key", flat=True)) == {active_key}
    assert idle_key != active_key


def test_a_session_ends_10_hours_after_sign_in_however_active(signed_in):
    client, key = signed_in
    for minutes in range(25, 10 * 60, 25):  # a request every 25 minutes for 9 h 50 min
        with clock(minutes):
            assert client.get("/").status_code == 200, f"{minutes} min"
    with clock(10 * 60 + 1):
        response = client.get("/arenden/")
        assert _sent_to_login(response, "/arenden/")
        # Signed out on the server: the session row is deleted, so the old key is gone for good.
        assert not Session.objects.filter(session_key=key).exists()
        assert _sent_to_login(_replay(key, "/"), "/")


def test_five_failed_sign_ins_lock_that_hsa_id_from_that_address_for_15_minutes(client):
    """django-axes: 5 failures per HSA-id and IP; each attempt while locked starts the 15 minutes again."""
    unknown = "SE2321000180-OKAND"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/login/", {"hsa_id": unknown}).status_code == 400
    locked = client.post("/login/", {"hsa_id": unknown})  # the fifth failure is answered with the lockout
    assert locked.status_code == 429 and "tillfälligt spärrad" in locked.content.decode()
    assert client.post("/login/", {"hsa_id": unknown}).status_code == 429
    # Another address with the same HSA-id is not locked out.
    assert client.post("/login/", {"hsa_id": unknown}, REMOTE_ADDR="10.0.0.2").status_code == 400
    _failures_were(minutes=14)
    assert client.post("/login/", {"hsa_id": unknown}).status_code == 429
    _failures_were(minutes=16)
    assert client.post("/login/", {"hsa_id": unknown}).status_code == 400


def _failures_were(*, minutes: int) -> None:
    """Moves the recorded failed sign-ins `minutes` back in time."""
    assert AccessAttempt.objects.exists()
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def test_an_unchanged_session_is_saved_at_most_once_a_minute_and_still_expires_when_idle(signed_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, key = signed_in
    with clock(1):
        assert client.get("/").status_code == 200  # saved: the expiry moves
        forst = Session.objects.get(session_key=key).expire_date
    with clock(1.5), CaptureQueriesContext(connection) as fragor:
        assert client.get("/").status_code == 200
    assert not [q for q in fragor.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert Session.objects.get(session_key=key).expire_date == forst, "within the minute nothing is written"
    with clock(3):
        assert client.get("/").status_code == 200
        assert Session.objects.get(session_key=key).expire_date - forst >= timedelta(minutes=2)
    # Idle for 31 minutes after the last request (saved or not): signed out.
    with clock(3.5):
        assert client.get("/").status_code == 200
    with clock(3.5 + 31):
        assert _sent_to_login(client.get("/arenden/"), "/arenden/")
