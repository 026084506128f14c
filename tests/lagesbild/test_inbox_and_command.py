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
from tests.processer import database_url
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
        "DATABASE_URL": database_url(db),
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
    assert response.status_code == 422
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


# --- File names are bounded in bytes; one bad file never stops the run ---------------------------------------

LANGT = "spor_" + "ö" * 120 + ".csv"  # 249 bytes: fits the inbox, but not with a claim prefix in front


def _alla_namn(settings) -> list[str]:
    return [p.name for p in Path(settings.LAGESBILD_INBOX).parent.rglob("*")]


@pytest.mark.django_db
def test_a_file_name_too_long_for_its_claim_is_imported_and_filed_under_a_name_cut_in_bytes(settings):
    from lagesbild import inkorg

    inbox = Path(settings.LAGESBILD_INBOX)
    write(inbox, LANGT, SPOR_HEADER, spor_rows())
    write(inbox, "ta_ncr.csv", NCR_HEADER, ncr_rows())  # sorts after the long name
    results = inkorg.importera_inkorg(startad_av="beat")
    assert [r.run.status for r in results] == [ImportStatus.KLAR, ImportStatus.KLAR]
    assert ImportRun.objects.get(kalla="SPOR").filnamn == LANGT
    arkiv = sorted(p.name for p in (inbox.parent / "archive").iterdir())
    assert len(arkiv) == 2 and arkiv[0].startswith("spor_ööö") and arkiv[0].endswith(".csv")
    assert all(len(n.encode()) <= 255 for n in _alla_namn(settings))
    assert inkorg.filer_i_inkorgen() == []


@pytest.mark.django_db
@pytest.mark.parametrize("namn", ["spor_" + "ö" * 100 + ".csv", "ö" * 120 + ".csv"])
def test_an_upload_with_a_long_non_ascii_name_is_imported_not_a_server_error(client_for, settings, tmp_path, namn):
    path = write(tmp_path, "upload.csv", NCR_HEADER, ncr_rows())
    with path.open("rb") as f:
        data = f.read()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(Roll.ADMINISTRATOR).post(
        "/lagesbild/importer/ladda-upp/", {"fil": SimpleUploadedFile(namn, data, content_type="text/csv")}
    )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.KLAR and run.filnamn.startswith(namn[:20])
    assert len(list((Path(settings.LAGESBILD_INBOX).parent / "archive").iterdir())) == 1
    assert all(len(n.encode()) <= 255 for n in _alla_namn(settings))


@pytest.mark.django_db
def test_one_file_that_cannot_be_handled_is_set_aside_and_the_others_are_imported(settings, monkeypatch, caplog):
    from lagesbild import inkorg

    inbox = Path(settings.LAGESBILD_INBOX)
    write(inbox, "a_trasig.csv", NCR_HEADER, ncr_rows())
    write(inbox, "b_spor.csv", SPOR_HEADER, spor_rows())
    write(inbox, "c_ncr.csv", NCR_HEADER, ncr_rows())
    verklig_import, verklig_rename = inkorg.importera_fil, os.rename

    def import_som_kraschar(path, **kw):
        if "c_ncr" in path.name:
            raise RuntimeError("ett fel i importen")
        return verklig_import(path, **kw)

    def rename_som_inte_gar(src, dst):
        if Path(src).name == "a_trasig.csv" and Path(dst).parent.name == "processing":  # the claim fails
            raise OSError(36, "File name too long")
        return verklig_rename(src, dst)

    monkeypatch.setattr(inkorg, "importera_fil", import_som_kraschar)
    monkeypatch.setattr(inkorg.os, "rename", rename_som_inte_gar)
    results = inkorg.importera_inkorg(startad_av="beat")
    monkeypatch.undo()

    assert [(r.run.filnamn, r.run.status) for r in results] == [
        ("a_trasig.csv", ImportStatus.MISSLYCKAD),
        ("b_spor.csv", ImportStatus.KLAR),
        ("c_ncr.csv", ImportStatus.MISSLYCKAD),
    ]
    assert "kunde inte hanteras (RuntimeError)" in results[2].run.meddelande
    assert "flyttades till rejected/; lägg tillbaka den i inkorgen" in results[2].run.meddelande
    assert "kunde inte hanteras (OSError 36)" in results[0].run.meddelande
    assert inkorg.filer_i_inkorgen() == []  # the next run does not trip over them again
    assert sorted(p.name for p in (inbox.parent / "rejected").iterdir()) == ["a_trasig.csv", "c_ncr.csv"]
    assert list((inbox.parent / "processing").iterdir()) == []
    assert Matvarde.objects.count() == 7  # the SPOR file only
    assert "OSError 36" in caplog.text and "File name too long" not in caplog.text  # no raw path text logged


@pytest.mark.django_db
def test_an_upload_reaches_the_inbox_only_when_it_is_complete(settings):
    from lagesbild import inkorg

    sett_under_skrivning = []

    def bitar():
        for bit in (SPOR_HEADER.encode() + b"\n", spor_rows()[0].encode() + b"\n"):
            sett_under_skrivning.append([p.name for p in inkorg.filer_i_inkorgen()])  # what a run would claim
            yield bit

    path = inkorg.ta_emot_uppladdning(bitar(), "spor.csv")
    assert sett_under_skrivning == [[], []]
    assert path.parent == Path(settings.LAGESBILD_INBOX) and path.name.endswith("_spor.csv")
    assert path.read_bytes().count(b"\n") == 2
    assert list((Path(settings.LAGESBILD_INBOX).parent / "uppladdning").iterdir()) == []


@pytest.mark.django_db
def test_a_file_that_cannot_even_be_moved_aside_stays_where_it_is_and_the_run_goes_on(settings, monkeypatch):
    from lagesbild import inkorg

    inbox = Path(settings.LAGESBILD_INBOX)
    write(inbox, "a_last.csv", NCR_HEADER, ncr_rows())
    write(inbox, "b_ncr.csv", NCR_HEADER, ncr_rows())
    verklig_rename, verklig_link = os.rename, os.link

    def flytt_som_inte_gar(verklig):
        def flytta(src, dst):
            if Path(src).name == "a_last.csv":
                raise PermissionError(13, "Permission denied")
            return verklig(src, dst)

        return flytta

    monkeypatch.setattr(inkorg.os, "rename", flytt_som_inte_gar(verklig_rename))  # claiming it
    monkeypatch.setattr(inkorg.os, "link", flytt_som_inte_gar(verklig_link))  # filing it in rejected/
    results = inkorg.importera_inkorg(startad_av="beat")
    monkeypatch.undo()
    assert [r.run.status for r in results] == [ImportStatus.MISSLYCKAD, ImportStatus.KLAR]
    assert results[0].run.meddelande.endswith("Den kunde inte flyttas och ligger kvar i inbox/.")
    assert (inbox / "a_last.csv").read_bytes().startswith(NCR_HEADER.encode())  # not lost
