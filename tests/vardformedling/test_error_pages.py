"""The 500 handler: a database that cannot be reached gives the Swedish 503 page, every other error – other
database errors too, like a cancelled query or a lock timeout – the Swedish 500 page. This module is the test's
URLconf: each path raises one kind of error in a view."""

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import path

handler500 = "vardformedling.views.error_500"


def driver_error(exc: Exception):
    """A view raising the driver's error the way Django passes it on (wrapped, the driver's error as cause)."""

    def view(request):
        with connection.wrap_database_errors:
            raise exc

    return view


def raw(exc: Exception):
    def view(request):
        raise exc

    return view


def cancelled_query(request):
    """A real query cancelled by statement_timeout (SQLSTATE 57014) on a working database."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '10ms'")
        try:
            cursor.execute("SELECT pg_sleep(2)")
        finally:
            cursor.execute("RESET statement_timeout")


DOWN = {
    "refused": driver_error(psycopg.OperationalError("connection failed: Connection refused")),
    "lost": driver_error(psycopg.OperationalError("consuming input failed: server closed the connection")),
    "admin-shutdown": driver_error(psycopg.errors.AdminShutdown("terminating connection due to administrator command")),
    "crash-shutdown": driver_error(psycopg.errors.CrashShutdown("terminating connection due to crash")),
    "starting-up": driver_error(psycopg.errors.CannotConnectNow("the database system is starting up")),
    "connection-failure": driver_error(psycopg.errors.ConnectionFailure("connection failure")),
    "interface": driver_error(psycopg.InterfaceError("the connection is closed")),
    "psycopg-directly": raw(psycopg.OperationalError("connection failed")),
}
NOT_DOWN = {
    "cancelled": cancelled_query,
    "lock-timeout": driver_error(psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")),
    "query-canceled": driver_error(psycopg.errors.QueryCanceled("canceling statement due to user request")),
    "django-only": raw(OperationalError("no driver error under it")),
    "bug": raw(ValueError("an ordinary bug")),
}
urlpatterns = [path(f"fel/{name}/", view) for name, view in {**DOWN, **NOT_DOWN}.items()]


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", DOWN)
def test_a_database_that_cannot_be_reached_gives_the_swedish_503_page(anonymous, name):
    response = anonymous.get(f"/fel/{name}/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Databasen svarar inte just nu" in response.content.decode()


@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", NOT_DOWN)
def test_other_errors_from_a_working_database_give_the_swedish_500_page(anonymous, name):
    response = anonymous.get(f"/fel/{name}/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Något gick fel" in html
    assert "Databasen svarar inte" not in html and "Traceback" not in html
    assert "Retry-After" not in response
