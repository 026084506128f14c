"""PostgreSQL: lagesbild_matvarde becomes LIST-partitioned by leverans_id (one partition per delivery).

Why: a national delivery is ~6 million rows; COPY into an unindexed table + one sorted index build + ATTACH is
far cheaper than maintaining B-trees row by row, and dropping the previous delivery is a DROP TABLE instead of a
DELETE of millions of rows. A DEFAULT partition keeps ORM inserts (tests, small paths) working. No primary key
constraint on the parent (it would have to include leverans_id); ids still come from the sequence. SQLite keeps
the plain table.
"""

import django.db.models.deletion
from django.db import migrations, models

KOLUMNER = (
    "id, matperiod, urval, antal, undertryckt, median, p90, andel_inom_90, andel_asa_3_4, kva_id, leverans_id, "
    "region_id, vardenhet_id"
)

PARTITIONERA = f"""
ALTER TABLE lagesbild_matvarde RENAME TO lagesbild_matvarde_gammal;
ALTER INDEX matvarde_enhet_kva RENAME TO matvarde_enhet_kva_gammal;
ALTER INDEX matvarde_kva_period_urval RENAME TO matvarde_kva_period_urval_gammal;
CREATE SEQUENCE lagesbild_matvarde_part_id_seq AS bigint;
CREATE TABLE lagesbild_matvarde (
    id bigint NOT NULL DEFAULT nextval('lagesbild_matvarde_part_id_seq'),
    matperiod varchar(7) NOT NULL,
    urval varchar(10) NOT NULL,
    antal integer CHECK (antal >= 0),
    undertryckt boolean NOT NULL,
    median integer CHECK (median >= 0),
    p90 integer CHECK (p90 >= 0),
    andel_inom_90 double precision,
    andel_asa_3_4 double precision,
    kva_id varchar(3) NOT NULL,
    leverans_id bigint NOT NULL,
    region_id varchar(2),
    vardenhet_id bigint
) PARTITION BY LIST (leverans_id);
ALTER SEQUENCE lagesbild_matvarde_part_id_seq OWNED BY lagesbild_matvarde.id;
CREATE TABLE lagesbild_matvarde_standard PARTITION OF lagesbild_matvarde DEFAULT;
CREATE INDEX matvarde_kva_period_urval ON lagesbild_matvarde (kva_id, matperiod, urval, leverans_id);
CREATE INDEX matvarde_enhet_kva ON lagesbild_matvarde (vardenhet_id, kva_id);
INSERT INTO lagesbild_matvarde ({KOLUMNER}) SELECT {KOLUMNER} FROM lagesbild_matvarde_gammal;
SELECT setval('lagesbild_matvarde_part_id_seq', COALESCE((SELECT max(id) FROM lagesbild_matvarde), 0) + 1, false);
DROP TABLE lagesbild_matvarde_gammal;
"""


def partitionera(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PARTITIONERA.split(";\n"):
            if sql.strip():
                schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("lagesbild", "0002_matvarde_bulk_load"),
    ]

    operations = [
        migrations.AlterField(
            model_name="matvarde",
            name="leverans",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="matvarden",
                to="lagesbild.leverans",
            ),
        ),
        migrations.RunPython(partitionera, migrations.RunPython.noop, elidable=False),
    ]
