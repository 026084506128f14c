"""PostgreSQL: TRUNCATE of the access log is refused too (row triggers do not fire on it; a statement trigger does).

The only exception is Django's flush of a TEST database (named test_…) by a session that asks for it
(`SET vardformedling.tillat_truncate = 'on'`, which settings_test sets on every connection): Django empties all
tables with TRUNCATE after a transactional test. Any session may set that setting, so in a database not named
test_… nothing lets TRUNCATE through. A role that owns the table can still drop the trigger; production should run
as a role that does not own it (and has no TRUNCATE privilege).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION arenden_atkomstlogg_ingen_truncate() RETURNS trigger AS $$
BEGIN
    IF left(current_database(), 5) = 'test_'
       AND coalesce(current_setting('vardformedling.tillat_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'Åtkomstloggen kan inte tömmas.';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS arenden_atkomstlogg_ingen_truncate ON arenden_atkomstlogg;
CREATE TRIGGER arenden_atkomstlogg_ingen_truncate BEFORE TRUNCATE ON arenden_atkomstlogg
    FOR EACH STATEMENT EXECUTE FUNCTION arenden_atkomstlogg_ingen_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS arenden_atkomstlogg_ingen_truncate ON arenden_atkomstlogg;
DROP FUNCTION IF EXISTS arenden_atkomstlogg_ingen_truncate();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("arenden", "0003_index_for_statistik_och_volym")]

    operations = [migrations.RunPython(create, drop)]
