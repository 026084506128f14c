"""import_lagesbild exit codes, the nightly inbox task through a real worker, and the import page."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lagesbild.models import ImportRun, ImportStatus, Matvarde
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, ncr_rows, spor_rows, write
from vardformedling.models import Roll

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_command_exit_0_for_imported_and_already_imported(tmp_path, capsys):
    path = write(tmp_path, "ncr_katarakt_20261120.csv", NCR_HEADER, ncr_rows())
    call_command("import_lagesbild", str(path))
    call_command("import_lagesbild", str(path))
    out = capsys.readouterr().out
    assert "ncr_katarakt_20261120.csv: inläst (NCR, 8 rader)." in out
    assert "redan inläst" in out


@pytest.mark.django_db
def test_command_exit_1_names_the_rejected_file_line_and_column_and_writes_nothing(tmp_path, capsys):
    good = write(tmp_path, "spor_ok.csv", SPOR_HEADER, spor_rows())
    bad = write(tmp_path, "spor_fel.csv", SPOR_HEADER, [spor_rows()[0].replace(";48;", ";-48;")])
    with pytest.raises(CommandError) as exc:
        call_command("import_lagesbild", str(good), str(bad))
    assert exc.value.returncode == 1
    err = capsys.readouterr().err
    assert "spor_fel.csv rad 2, kolumn antal_utforda: '-48' är negativt" in err
    assert Matvarde.objects.filter(leverans__import_run__filnamn="spor_fel.csv").count() == 0
    assert Matvarde.objects.count() == 7  # the good file is imported


def _manage(*args):
    from django.db import connection

    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vardformedling.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    cmd = [sys.executable, "manage.py", "import_lagesbild", *map(str, args)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, check=False)


def test_command_process_exit_codes(transactional_db, tmp_path):
    good = write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows())
    ok = _manage(good)
    assert ok.returncode == 0, ok.stderr
    assert _manage(good).returncode == 0  # already imported
    bad = write(tmp_path, "x.csv", "a;b", ["1;2"])
    proc = _manage(bad, tmp_path / "saknas.csv")
    assert proc.returncode == 1, proc.stderr
    assert "saknas.csv: filen finns inte." in proc.stderr
    assert "x.csv rad 1: kan inte avgöra vilket register" in proc.stderr


def test_nightly_task_through_a_real_worker_moves_files_to_archive_and_rejected(celery_worker, settings):
    from lagesbild.tasks import importera_inkorg

    inbox = Path(settings.LAGESBILD_INBOX)
    write(inbox, "ncr_katarakt_20261120.csv", NCR_HEADER, ncr_rows())
    write(inbox, "spor_vantetider_20261120.csv", SPOR_HEADER, [spor_rows()[0].replace(";212;", ";abc;")])
    result = importera_inkorg.delay(startad_av="beat").get(timeout=60)
    assert result["filer"] == 2 and result["inlasta"] == 1 and result["avvisade"] == 1
    assert sorted(p.name for p in inbox.iterdir()) == []
    assert [p.name for p in (inbox.parent / "archive").iterdir()] == ["ncr_katarakt_20261120.csv"]
    assert [p.name for p in (inbox.parent / "rejected").iterdir()] == ["spor_vantetider_20261120.csv"]
    runs = {r.filnamn: r for r in ImportRun.objects.all()}
    assert runs["ncr_katarakt_20261120.csv"].status == ImportStatus.KLAR
    assert runs["spor_vantetider_20261120.csv"].status == ImportStatus.AVVISAD
    assert runs["spor_vantetider_20261120.csv"].startad_av == "beat"
    assert Matvarde.objects.count() == 8


@pytest.mark.django_db
def test_a_file_claimed_by_another_run_is_skipped(settings):
    from lagesbild import inkorg

    path = write(Path(settings.LAGESBILD_INBOX), "ncr.csv", NCR_HEADER, ncr_rows())
    path.rename(inkorg.mappar()["processing"] / "other-run_ncr.csv")  # another run claimed it first
    assert inkorg.importera_inkorgsfil(path, startad_av="beat") is None
    assert ImportRun.objects.count() == 0


@pytest.mark.django_db
def test_import_page_is_for_administrators_only(client_for, client):
    assert client.get("/lagesbild/importer/").status_code == 302
    assert client_for(Roll.VARDLOTS).get("/lagesbild/importer/").status_code == 403
    assert client_for(Roll.ADMINISTRATOR).get("/lagesbild/importer/").status_code == 200
    assert client_for(Roll.MOTTAGARE).get("/lagesbild/").status_code == 200
    assert client.get("/lagesbild/").status_code == 302


@pytest.mark.django_db
def test_upload_imports_the_file_and_lists_errors(client_for, settings, tmp_path):
    admin = client_for(Roll.ADMINISTRATOR)
    bad = write(tmp_path, "../../spor fel.csv".replace("/", "_"), SPOR_HEADER, [spor_rows()[0].replace("90d", "60d")])
    with bad.open("rb") as f:
        response = admin.post("/lagesbild/importer/ladda-upp/", {"fil": f}, follow=True)
    body = response.content.decode()
    assert "rad 2, kolumn matperiod: &#x27;60d&#x27; är ingen mätperiod" in body
    rejected = list((Path(settings.LAGESBILD_INBOX).parent / "rejected").iterdir())
    assert len(rejected) == 1 and "/" not in rejected[0].name and " " not in rejected[0].name
    good = write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows())
    with good.open("rb") as f:
        admin.post("/lagesbild/importer/ladda-upp/", {"fil": f})
    run = ImportRun.objects.get(status=ImportStatus.KLAR)
    assert run.startad_av.startswith("SE") and run.filnamn == "ncr.csv"


@pytest.mark.django_db
def test_upload_over_the_size_limit_is_refused(client_for, settings, tmp_path):
    settings.UPLOAD_MAX_BYTES = 100
    path = write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows())
    with path.open("rb") as f:
        response = client_for(Roll.ADMINISTRATOR).post("/lagesbild/importer/ladda-upp/", {"fil": f})
    assert response.status_code == 400
    assert "för stor" in response.content.decode()
    assert ImportRun.objects.count() == 0


@pytest.mark.django_db
def test_run_inbox_now_with_htmx_returns_the_status_fragment(client_for, settings):
    write(Path(settings.LAGESBILD_INBOX), "ncr.csv", NCR_HEADER, ncr_rows())
    response = client_for(Roll.ADMINISTRATOR).post("/lagesbild/importer/kor/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="uppgift"')
    assert "Klar: 1 filer, 1 inlästa, 0 avvisade." in body
    assert ImportRun.objects.get().startad_av.startswith("SE")
