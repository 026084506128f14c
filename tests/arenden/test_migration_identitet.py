"""Migrations arenden 0006–0009 (issue 16 point 6): clear-text identity and notes of existing cases are sealed
under the owning region's key, then the clear columns are dropped; the portal then shows the same identity."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from vardformedling.personnummer import make_test_number

FORE = [("arenden", "0006_identitet_forseglad_falt")]
PNR = make_test_number(1947, 5, 17, 234)
NAMN = "Migrerade Margit"


@pytest.mark.django_db(transaction=True)
def test_existing_clear_text_is_sealed_and_the_clear_columns_are_dropped():
    executor = MigrationExecutor(connection)
    executor.migrate(FORE)
    apps = executor.loader.project_state(FORE).apps
    Arende, Anteckning = apps.get_model("arenden", "Arende"), apps.get_model("arenden", "Anteckning")
    a = Arende.objects.create(
        case_id="VF-2026-20-000777-1",
        region_id="20",
        personnummer=PNR,
        namn=NAMN,
        kontaktuppgifter="Flyttgatan 1, 791 71 Falun",
        kva_id="CJE",
        beslutsdatum=date(2026, 10, 1),
        vardgaranti_datum=date(2026, 12, 30),
    )
    Anteckning.objects.create(arende=a, typ="kontakt", text=f"Ringde {NAMN}")
    Anteckning.objects.create(arende=a, typ="paminnelse", text="Svarsfristen har passerat.")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from arenden.models import Anteckning as NuAnteckning
    from arenden.models import Arende as NuArende
    from arenden.services import identitet

    with connection.cursor() as cur:
        cur.execute("SELECT row_to_json(a)::text FROM arenden_arende a")
        rader = " ".join(r[0] for r in cur.fetchall())
        cur.execute("SELECT row_to_json(n)::text FROM arenden_anteckning n")
        rader += " ".join(r[0] for r in cur.fetchall())
    assert PNR not in rader and PNR[2:] not in rader and NAMN not in rader and "Flyttgatan" not in rader
    assert "Svarsfristen har passerat." in rader  # the portal's own reminder stays in clear
    nu = NuArende.objects.get(case_id="VF-2026-20-000777-1")
    assert (nu.fodelsear, nu.pnr_hash) == (1947, identitet.pnr_hash("20", PNR))

    class Uppdrag:
        roll, region_id, vardenhet_id, etikett = "vardlots", "20", None, "Vårdlots – Region Dalarna"

    class Forfragan:
        META: dict = {}

    v = identitet.visa(Forfragan(), [nu], "test", anvandare=None, uppdrag=Uppdrag(), logga=False)[nu.pk]
    assert v.identitet == identitet.Identitet(PNR, NAMN, "Flyttgatan 1, 791 71 Falun")
    noter = identitet.las_anteckningar(None, nu, NuAnteckning.objects.filter(arende=nu).order_by("id"))
    assert [n.visad_text for n in noter] == [f"Ringde {NAMN}", "Svarsfristen har passerat."]
