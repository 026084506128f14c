"""A transient fault of the infrastructure during an import (the database gone for a moment, a broken connection)
is not the file's fault: the run is failed, not rejected; the file stays in the inbox, never in rejected/; the
Celery task retries and the next run imports it."""

from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError

from lagesbild import bulk, importers, inkorg, tasks
from lagesbild.models import ImportRun, ImportStatus, Leverans, Matvarde
from tests.lagesbild.helpers import SPOR_HEADER, spor_rows, write

pytestmark = pytest.mark.django_db

NAMN = "spor_vantetider_20261120.csv"
FEL = [
    (importers, "_skriv_register", OperationalError("server closed the connection unexpectedly")),
    (importers, "_skriv_register", InterfaceError("connection already closed")),
    (bulk, "copy_till_tabell", psycopg.OperationalError("consuming input failed")),  # raw COPY cursor: not wrapped
]
FEL_ID = ["django-operational", "django-interface", "psycopg-operational-in-copy"]


def fel_en_gang(monkeypatch, modul, namn: str, fel: Exception) -> None:
    """`modul.namn` raises `fel` the first time it is called, then works."""
    verklig, kvar = getattr(modul, namn), [fel]

    def steg(*args, **kwargs):
        if kvar:
            raise kvar.pop()
        return verklig(*args, **kwargs)

    monkeypatch.setattr(modul, namn, steg)


@pytest.mark.parametrize(("modul", "namn", "fel"), FEL, ids=FEL_ID)
def test_a_transient_fault_leaves_the_file_in_the_inbox_and_the_next_run_imports_it(
    settings, monkeypatch, modul, namn, fel
):
    write(Path(settings.LAGESBILD_INBOX), NAMN, SPOR_HEADER, spor_rows())
    fel_en_gang(monkeypatch, modul, namn, fel)
    with pytest.raises(type(fel)):
        inkorg.importera_inkorg(startad_av="beat")

    mappar = inkorg.mappar()
    assert [p.name for p in inkorg.filer_i_inkorgen()] == [NAMN]
    assert list(mappar["rejected"].iterdir()) == [] and list(mappar["processing"].iterdir()) == []
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.MISSLYCKAD and run.klar
    assert run.meddelande == importers.MEDDELANDE_TILLFALLIGT.format(fel=type(fel).__name__)
    assert "avvisades inte och läses in igen" in run.meddelande
    assert Leverans.objects.count() == 0 and Matvarde.objects.count() == 0

    [res] = inkorg.importera_inkorg(startad_av="beat")
    assert res.run.status == ImportStatus.KLAR
    assert [p.name for p in mappar["archive"].iterdir()] == [NAMN] and inkorg.filer_i_inkorgen() == []
    assert Matvarde.objects.count() == len(spor_rows())


def test_the_nightly_task_retries_after_a_transient_fault_and_imports_the_file(settings, monkeypatch):
    write(Path(settings.LAGESBILD_INBOX), NAMN, SPOR_HEADER, spor_rows())
    fel_en_gang(monkeypatch, importers, "_skriv_register", OperationalError("the database system is starting up"))
    # In this process (apply), where a retry runs at once instead of after its countdown.
    resultat = tasks.importera_inkorg.apply(kwargs={"startad_av": "beat"}, throw=False)
    assert resultat.get()["inlasta"] == 1, resultat.result
    assert sorted(ImportRun.objects.values_list("status", flat=True)) == [ImportStatus.KLAR, ImportStatus.MISSLYCKAD]
    assert list(inkorg.mappar()["rejected"].iterdir()) == []
    assert Matvarde.objects.count() == len(spor_rows())


def test_the_command_says_a_transient_fault_in_swedish_and_exits_1(tmp_path, monkeypatch, capsys):
    path = write(tmp_path, NAMN, SPOR_HEADER, spor_rows())
    fel_en_gang(monkeypatch, importers, "_skriv_register", OperationalError("server closed the connection"))
    with pytest.raises(CommandError):
        call_command("import_lagesbild", str(path))
    assert "tillfälligt fel (OperationalError)" in capsys.readouterr().err
    call_command("import_lagesbild", str(path))
    assert ImportRun.objects.filter(status=ImportStatus.KLAR).count() == 1


def test_an_upload_hit_by_a_transient_fault_says_so_in_swedish_and_keeps_the_file(
    client_for, settings, monkeypatch, tmp_path
):
    """A deadlock while the uploaded file is written: no server error page; the administrator is told the file was
    not rejected and is still in the inbox, where the next run imports it."""
    from psycopg.errors import DeadlockDetected

    from vardformedling.models import Roll

    fel = OperationalError("deadlock detected")
    fel.__cause__ = DeadlockDetected("deadlock detected")
    fel_en_gang(monkeypatch, importers, "_skriv_register", fel)
    fil = write(tmp_path, NAMN, SPOR_HEADER, spor_rows())
    with fil.open("rb") as f:
        response = client_for(Roll.ADMINISTRATOR).post("/lagesbild/importer/ladda-upp/", {"fil": f}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"{NAMN}: filen kunde inte läsas in just nu på grund av ett tillfälligt fel" in body
    assert "ligger kvar i inkorgen" in body
    assert [p.name.endswith(NAMN) for p in inkorg.filer_i_inkorgen()] == [True]
    assert list(inkorg.mappar()["rejected"].iterdir()) == []
    [res] = inkorg.importera_inkorg(startad_av="beat")
    assert res.run.status == ImportStatus.KLAR and Leverans.objects.count() == 1
