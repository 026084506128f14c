"""The access log is append-only at the database too: PostgreSQL refuses UPDATE and DELETE of its rows, whatever
the application does (the model's own refusal is tested in tests/arenden/test_views.py)."""

import pytest
from django.db import DatabaseError, connection, transaction

from arenden.models import Atkomstlogg

pytestmark = pytest.mark.django_db

SQL = [
    "UPDATE arenden_atkomstlogg SET handling = 'ändrad'",
    "UPDATE arenden_atkomstlogg SET hsa_id = 'SE0000000000-NOBODY' WHERE id = %(id)s",
    "DELETE FROM arenden_atkomstlogg WHERE id = %(id)s",
    "DELETE FROM arenden_atkomstlogg",
]


@pytest.mark.parametrize("sql", SQL)
def test_the_database_refuses_to_change_or_delete_access_log_rows(sql):
    assert connection.vendor == "postgresql"
    row = Atkomstlogg.objects.create(
        hsa_id="SE2321000180-VL01", uppdrag="Vårdlots", region_kod="20", case_id="VF-2026-20-000001-9", handling="visa"
    )
    refused = pytest.raises(DatabaseError, match="Åtkomstloggen kan inte ändras eller raderas")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, {"id": row.pk})
    assert list(Atkomstlogg.objects.values_list("hsa_id", "handling")) == [("SE2321000180-VL01", "visa")]


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_truncate_the_access_log():
    """A statement trigger refuses TRUNCATE (row triggers never see it) on any connection that is not the test
    suite's own flush: here a plain connection like the application's in production."""
    import psycopg

    Atkomstlogg.objects.create(
        hsa_id="SE2321000180-VL01", uppdrag="Vårdlots", region_kod="20", case_id="VF-2026-20-000001-9", handling="visa"
    )
    db = connection.settings_dict
    with (
        psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"]
        ) as plain,
        pytest.raises(psycopg.errors.RaiseException, match="Åtkomstloggen kan inte tömmas"),
    ):
        plain.execute("TRUNCATE arenden_atkomstlogg")
    assert Atkomstlogg.objects.count() == 1


def test_the_truncate_escape_hatch_opens_test_databases_only():
    """The setting the test suite uses is no key (any session may set it): in a database not named test_… the
    trigger refuses TRUNCATE even with it. Checked in a scratch database with the migration's own SQL."""
    import importlib
    import uuid

    import psycopg

    migration = importlib.import_module("arenden.migrations.0004_atkomstlogg_truncate")
    db = connection.settings_dict
    params = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"], "password": db["PASSWORD"] or None}
    name = f"vf_truncate_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with psycopg.connect(dbname=name, **params) as scratch:
                scratch.execute("CREATE TABLE arenden_atkomstlogg (id integer)")
                scratch.execute(migration.CREATE)
                scratch.execute("INSERT INTO arenden_atkomstlogg VALUES (1)")
                scratch.execute("SET vardformedling.tillat_truncate = 'on'")
                with pytest.raises(psycopg.errors.RaiseException, match="Åtkomstloggen kan inte tömmas"):
                    scratch.execute("TRUNCATE arenden_atkomstlogg")
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
