"""PostgreSQL: the table view's (kva, period, urval) index becomes a BRIN index.

Why: the importer writes each delivery's partition sorted by (kva, matperiod, urval) (bulk.sortera_for_index), so
one KVÅ × period × urval is a contiguous run of pages; a BRIN index finds it and is built in one pass instead of a
sort of millions of tuples. SQLite keeps the B-tree from 0001.
"""

from django.db import migrations

SQL = [
    "DROP INDEX IF EXISTS matvarde_kva_period_urval",
    "CREATE INDEX matvarde_kva_period_urval ON lagesbild_matvarde USING brin (kva_id, matperiod, urval)"
    " WITH (pages_per_range = 16)",
]


def brin(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'lagesbild_matvarde'::regclass")
        if cursor.fetchone()[0] != "p":
            return
    for sql in SQL:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("lagesbild", "0003_matvarde_partitionerad")]

    operations = [migrations.RunPython(brin, migrations.RunPython.noop, elidable=False)]
