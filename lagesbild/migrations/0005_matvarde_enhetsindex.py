"""PostgreSQL: the unit view's index on the partitioned figure table is on vardenhet_id alone.

Why: a unit has ~2,000 rows per delivery, found by the unit id and filtered on the rest; sorting millions of
tuples on (unit, KVÅ text) at every import cost more than it saved. The name stays; SQLite keeps (unit, KVÅ).
"""

from django.db import migrations

SQL = [
    "DROP INDEX IF EXISTS matvarde_enhet_kva",
    "CREATE INDEX matvarde_enhet_kva ON lagesbild_matvarde (vardenhet_id)",
]


def enhetsindex(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'lagesbild_matvarde'::regclass")
        if cursor.fetchone()[0] != "p":
            return
    for sql in SQL:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("lagesbild", "0004_matvarde_brin")]

    operations = [migrations.RunPython(enhetsindex, migrations.RunPython.noop, elidable=False)]
