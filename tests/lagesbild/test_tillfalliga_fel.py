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


def django_fel(orsak: psycopg.Error) -> OperationalError:
    """What Django raises for the driver's error: its OperationalError with the driver's as __cause__."""
    fel = OperationalError(str(orsak))
    fel.__cause__ = orsak
    return fel


FEL = [
    (importers, "_skriv_register", django_fel(psycopg.OperationalError("server closed the connection unexpectedly"))),
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
    starting = django_fel(psycopg.errors.CannotConnectNow("the database system is starting up"))  # 57P03
    fel_en_gang(monkeypatch, importers, "_skriv_register", starting)
    # In this process (apply), where a retry runs at once instead of after its countdown.
    resultat = tasks.importera_inkorg.apply(kwargs={"startad_av": "beat"}, throw=False)
    assert resultat.get()["inlasta"] == 1, resultat.result
    assert sorted(ImportRun.objects.values_list("status", flat=True)) == [ImportStatus.KLAR, ImportStatus.MISSLYCKAD]
    assert list(inkorg.mappar()["rejected"].iterdir()) == []
    assert Matvarde.objects.count() == len(spor_rows())


def test_the_command_says_a_transient_fault_in_swedish_and_exits_1(tmp_path, monkeypatch, capsys):
    path = write(tmp_path, NAMN, SPOR_HEADER, spor_rows())
    closed = django_fel(psycopg.OperationalError("server closed the connection"))
    fel_en_gang(monkeypatch, importers, "_skriv_register", closed)
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

    fel = django_fel(DeadlockDetected("deadlock detected"))
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


def test_an_error_the_database_gives_again_for_this_file_rejects_it_instead_of_retrying_it_every_night(
    settings, monkeypatch
):
    """A statement timeout (57014) is an OperationalError too, but not transient: the same file would hit it again.
    The run fails, the file is set aside in rejected/ and the other files of the run are still imported."""
    from psycopg.errors import QueryCanceled

    from tests.lagesbild.helpers import NCR_HEADER, ncr_rows

    inbox = Path(settings.LAGESBILD_INBOX)
    write(inbox, NAMN, SPOR_HEADER, spor_rows())
    write(inbox, "ncr_katarakt_20261120.csv", NCR_HEADER, ncr_rows())
    verklig = importers._skriv_register

    def timeout_for_spor(ren, kalla, *args, **kwargs):
        if kalla == "SPOR":
            raise django_fel(QueryCanceled("canceling statement due to statement timeout"))
        return verklig(ren, kalla, *args, **kwargs)

    monkeypatch.setattr(importers, "_skriv_register", timeout_for_spor)
    resultat = inkorg.importera_inkorg(startad_av="beat")

    assert sorted(r.run.status for r in resultat) == sorted([ImportStatus.KLAR, ImportStatus.MISSLYCKAD])
    mappar = inkorg.mappar()
    assert [p.name for p in mappar["rejected"].iterdir()] == [NAMN]
    assert [p.name for p in mappar["archive"].iterdir()] == ["ncr_katarakt_20261120.csv"]
    assert inkorg.filer_i_inkorgen() == []
    misslyckad = ImportRun.objects.get(status=ImportStatus.MISSLYCKAD)
    assert "läses in igen" not in misslyckad.meddelande
    assert list(Leverans.objects.values_list("kalla", flat=True)) == ["NCR"]


def test_an_import_whose_record_cannot_be_saved_after_commit_is_archived_not_imported_again(settings, monkeypatch):
    """The database drops right after the import committed: the data is in, only the run's record is missing. The
    file is archived (a put-back file would be imported again, maybe over a newer delivery)."""
    write(Path(settings.LAGESBILD_INBOX), NAMN, SPOR_HEADER, spor_rows())
    fel_en_gang(
        monkeypatch, importers, "_avsluta", django_fel(psycopg.OperationalError("server closed the connection"))
    )
    [res] = inkorg.importera_inkorg(startad_av="beat")
    assert res.lyckad and Leverans.objects.count() == 1
    assert [p.name for p in inkorg.mappar()["archive"].iterdir()] == [NAMN]
    assert inkorg.filer_i_inkorgen() == []


def test_a_run_waiting_for_its_retry_says_so_on_the_import_page():
    from types import SimpleNamespace

    from lagesbild.views_import import _uppgift_status

    uppgift = _uppgift_status("abc", SimpleNamespace(state="RETRY", info=None))
    assert uppgift["text"].startswith("Ett tillfälligt fel avbröt körningen; den försöker igen")
    assert not uppgift["klar"] and not uppgift["fel"]
