"""A trip's free-text note is about the patient (issue 16 point 1): sealed under the case's data key, shown to the
home region only, shredded with the identity, and existing clear notes are sealed by migration arenden 0017."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from arenden import services
from arenden.models import Resa
from arenden.services import identitet
from arenden.services.formedling import ANTECKNING_FOR_LANG
from vardformedling.personnummer import make_test_number

NOT = "Margit behöver rullstol vid tåget, ring dottern Eva 070-1234567"


def _klient(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


def _rader() -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT row_to_json(r)::text FROM arenden_resa r")
        return " ".join(r[0] for r in cur.fetchall())


@pytest.mark.django_db
def test_a_travel_note_is_sealed_shown_to_the_home_region_only_and_shredded_with_the_case(
    arende_i_steg, lots, lots_uppdrag, mottagare
):
    a = arende_i_steg("formedla")
    services.resa_registrera(
        arende=a, anvandare=lots, uppdrag=lots_uppdrag, fardsatt="tag", bokad_av="hemregion", anteckning=NOT
    )
    assert "Margit" not in _rader() and "070-1234567" not in _rader()
    assert NOT in _klient(lots).get(f"/arenden/{a.case_id}/").content.decode()
    mottagarens = _klient(mottagare).get(f"/arenden/{a.case_id}/").content.decode()
    assert "Margit" not in mottagarens and identitet.RESENOT_DOLD in mottagarens and "Tåg" in mottagarens
    identitet.gallra(a)
    assert Resa.objects.get(arende=a).anteckning_chiffer is None
    assert "Margit" not in _klient(lots).get(f"/arenden/{a.case_id}/").content.decode()


@pytest.mark.django_db
def test_a_too_long_travel_note_is_refused_and_nothing_is_saved(arende_i_steg, lots):
    a = arende_i_steg("formedla")
    with pytest.raises(ValidationError) as fel:
        services.resa_registrera(arende=a, anvandare=lots, fardsatt="tag", bokad_av="patient", anteckning="x" * 301)
    assert fel.value.message_dict == {"anteckning": [ANTECKNING_FOR_LANG]}
    assert not Resa.objects.exists()


FORE = [("arenden", "0016_overforing_kuvert_kvittens")]


@pytest.mark.django_db(transaction=True)
def test_migration_0017_seals_existing_clear_travel_notes():
    executor = MigrationExecutor(connection)
    executor.migrate(FORE)
    apps = executor.loader.project_state(FORE).apps
    Arende, GammalResa = apps.get_model("arenden", "Arende"), apps.get_model("arenden", "Resa")
    case_id = "VF-2026-20-000778-0"
    sigill = identitet.forseglade_falt(
        "20", case_id, identitet.Identitet(make_test_number(1947, 5, 17, 235), "Resande Rut", "")
    )
    a = Arende.objects.create(
        case_id=case_id,
        region_id="20",
        kva_id="CJE",
        beslutsdatum=date(2026, 10, 1),
        vardgaranti_datum=date(2026, 12, 30),
        **sigill,
    )
    GammalResa.objects.create(arende=a, fardsatt="tag", bokad_av="patient", anteckning=NOT)
    GammalResa.objects.create(arende=a, fardsatt="buss", bokad_av="patient", anteckning="")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from arenden.models import Arende as NuArende

    assert "Margit" not in _rader()
    nu = NuArende.objects.get(case_id=case_id)

    class Uppdrag:
        roll, region_id, vardenhet_id, etikett = "vardlots", "20", None, "Vårdlots – Region Dalarna"

    resor = identitet.las_resenoter(None, Uppdrag(), nu, Resa.objects.filter(arende=nu).order_by("id"))
    assert [r.visad_anteckning for r in resor] == [NOT, ""]
