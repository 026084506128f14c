"""PostgreSQL: the access log is append-only at the database too (UPDATE/DELETE raise). SQLite: model guard only."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION arenden_atkomstlogg_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Åtkomstloggen kan inte ändras eller raderas.';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS arenden_atkomstlogg_append_only ON arenden_atkomstlogg;
CREATE TRIGGER arenden_atkomstlogg_append_only BEFORE UPDATE OR DELETE ON arenden_atkomstlogg
    FOR EACH ROW EXECUTE FUNCTION arenden_atkomstlogg_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS arenden_atkomstlogg_append_only ON arenden_atkomstlogg;
DROP FUNCTION IF EXISTS arenden_atkomstlogg_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("arenden", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
