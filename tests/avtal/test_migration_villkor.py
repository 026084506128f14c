"""Migration avtal 0005: an agreement's terms are copied to each of its lines before the agreement's column goes."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

FORE = [("avtal", "0004_index_for_statistik_och_volym")]
EFTER = [("avtal", "0005_villkor_per_avtalsrad")]


@pytest.mark.django_db(transaction=True)
def test_every_line_gets_its_agreements_terms_and_reversing_brings_them_back():
    executor = MigrationExecutor(connection)
    executor.migrate(FORE)
    apps = executor.loader.project_state(FORE).apps
    Avtal, Avtalsrad = apps.get_model("avtal", "Avtal"), apps.get_model("avtal", "Avtalsrad")
    Vardgivare, KvaGrupp = apps.get_model("katalog", "Vardgivare"), apps.get_model("katalog", "KvaGrupp")
    vg = Vardgivare.objects.create(hsa_id="SE5565432100-0000", orgnr="556543-2100", namn="Testögon AB")
    for kod in ("CJE", "CJC"):
        KvaGrupp.objects.get_or_create(kod=kod)
    falt = {
        "vardgivare": vg,
        "avtalstyp": "upphandlat",
        "giltig_fran": date(2026, 1, 1),
        "giltig_till": date(2027, 1, 1),
    }
    med = Avtal.objects.create(avtalsagare_id="20", avtal_id="A", villkor="ASA 1–3\nej narkos", **falt)
    utan = Avtal.objects.create(avtalsagare_id="20", avtal_id="B", villkor="", **falt)
    for a in (med, utan):
        for kod in ("CJE", "CJC"):
            Avtalsrad.objects.create(avtal=a, kva_id=kod)

    executor = MigrationExecutor(connection)
    executor.migrate(EFTER)
    apps = executor.loader.project_state(EFTER).apps
    Avtalsrad = apps.get_model("avtal", "Avtalsrad")
    villkor = set(Avtalsrad.objects.values_list("avtal__avtal_id", "kva_id", "villkor"))
    assert villkor == {
        ("A", "CJE", "ASA 1–3\nej narkos"),
        ("A", "CJC", "ASA 1–3\nej narkos"),
        ("B", "CJE", ""),
        ("B", "CJC", ""),
    }

    executor = MigrationExecutor(connection)
    executor.migrate(FORE)
    Avtal = executor.loader.project_state(FORE).apps.get_model("avtal", "Avtal")
    assert dict(Avtal.objects.values_list("avtal_id", "villkor")) == {"A": "ASA 1–3\nej narkos", "B": ""}
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
