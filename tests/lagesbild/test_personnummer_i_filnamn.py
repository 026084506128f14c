"""A personnummer in a delivery's file name is never stored, logged or used in a file name (inbox, command, upload)."""

import logging
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from lagesbild import inkorg
from lagesbild.models import ImportRun, ImportStatus
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, ncr_rows, spor_rows, write
from vardformedling.models import Roll
from vardformedling.personnummer import maskera_i_text

pytestmark = pytest.mark.django_db

NUMMER = (
    "19121212-1212",
    "191212121212",
    "121212-1212",
    "1212121212",
    "19121272+1212",
    "19121212_1212",
    "19121212 1212",
    "121212.1212",
)


def _lackor(text: str) -> list[str]:
    return [n for n in NUMMER if n in text]


def _lagrat() -> str:
    return " ".join(str(v) for run in ImportRun.objects.values() for v in run.values())


def _filnamn(settings) -> str:
    return " ".join(p.name for p in Path(settings.LAGESBILD_INBOX).parent.rglob("*"))


def _latin1(path: Path) -> Path:
    text = "\n".join([NCR_HEADER, *ncr_rows()]) + "\n"
    path.write_bytes(text.replace("Ögonsektionen", "\xd6gonsektionen").encode("latin-1"))
    return path


@pytest.mark.parametrize("namn", NUMMER)
def test_the_masking_hides_every_form_of_the_number_and_keeps_dates(namn):
    assert maskera_i_text(f"spor_{namn}.csv") == "spor_XXXXXXXX-XXXX.csv"
    assert maskera_i_text("spor_vantetider_20261120.csv") == "spor_vantetider_20261120.csv"


@pytest.mark.parametrize(
    ("text", "maskerad"),
    [
        ("remiss_19121212_1212.csv", "remiss_XXXXXXXX-XXXX.csv"),
        ("remiss 19121212 1212.csv", "remiss XXXXXXXX-XXXX.csv"),
        ("remiss_121212.1212.csv", "remiss_XXXXXXXX-XXXX.csv"),
        ("a121212_1212b", "aXXXXXXXX-XXXXb"),
        ("SE1212121212-X", "SEXXXXXXXX-XXXX-X"),  # HSA-shaped, but the digits could be a personnummer
        ("orgnr_5560000001.csv", "orgnr_XXXXXXXX-XXXX.csv"),  # wide on purpose: an organisation number too
        # kept: dates, a date range, HSA-ids, short digit runs, other digits than ASCII
        ("vantetider_2026-12-03.csv", "vantetider_2026-12-03.csv"),
        ("ncr_katarakt_20261203.csv", "ncr_katarakt_20261203.csv"),
        ("vantetider_20261101-20261130.csv", "vantetider_20261101-20261130.csv"),
        ("Enhet SE2321000180-VL01 saknas", "Enhet SE2321000180-VL01 saknas"),
        ("se5560000001-ogon02", "se5560000001-ogon02"),
        ("rad 12345 kolumn 1234", "rad 12345 kolumn 1234"),
        ("\u0661\u0669\u0661\u0662\u0661\u0662-\u0661\u0662\u0661\u0662", None),
    ],
)
def test_the_masking_covers_separators_and_keeps_what_is_no_personnummer(text, maskerad):
    assert maskera_i_text(text) == (text if maskerad is None else maskerad)


def test_the_inbox_timestamp_is_never_taken_for_a_personnummer(monkeypatch):
    """The prefix the inbox puts on an upload's name survives masking, so the agreed name is still recognised."""
    import uuid
    from datetime import UTC, datetime

    from lagesbild.models import Kalla
    from lagesbild.validering import kalla_enligt_filnamn

    monkeypatch.setattr(inkorg.timezone, "now", lambda: datetime(2026, 12, 3, 2, 30, 0, tzinfo=UTC))
    monkeypatch.setattr(inkorg.uuid, "uuid4", lambda: uuid.UUID("1234abcd" + "0" * 24))
    namn = inkorg.saker_filnamn("spor_vantetider_20261120.csv")
    assert maskera_i_text(namn) == namn
    assert kalla_enligt_filnamn(maskera_i_text(namn)) == (Kalla.SPOR, "20261120")


def test_the_inbox_never_stores_logs_or_files_a_personnummer(settings, caplog):
    caplog.set_level(logging.DEBUG)
    inbox = Path(settings.LAGESBILD_INBOX)
    write(inbox, "spor_19121212-1212.csv", SPOR_HEADER, spor_rows())
    _latin1(inbox / "ncr_191212121212.csv")  # rejected; the parser's message is logged
    write(inbox, "ncr_121212-1212_trasig.csv", "a;b", ["1;2"])
    results = inkorg.importera_inkorg(startad_av="beat")
    assert [r.run.status for r in results] == [ImportStatus.AVVISAD, ImportStatus.AVVISAD, ImportStatus.KLAR]
    assert "kunde inte tolkas" in caplog.text
    assert _lackor(_lagrat()) == []
    assert _lackor(caplog.text) == []
    assert _lackor(_filnamn(settings)) == []
    assert {r.run.filnamn for r in results} == {
        "spor_XXXXXXXX-XXXX.csv",
        "ncr_XXXXXXXX-XXXX.csv",
        "ncr_XXXXXXXX-XXXX_trasig.csv",
    }


def test_a_file_the_inbox_cannot_handle_is_set_aside_without_its_personnummer(settings, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    write(Path(settings.LAGESBILD_INBOX), "spor_19121212-1212.csv", SPOR_HEADER, spor_rows())

    def kraschar(path, **kw):
        raise RuntimeError(f"oväntat fel med {path}")

    monkeypatch.setattr(inkorg, "importera_fil", kraschar)
    [res] = inkorg.importera_inkorg(startad_av="beat")
    assert res.run.status == ImportStatus.MISSLYCKAD
    assert (_lackor(_lagrat()), _lackor(caplog.text), _lackor(_filnamn(settings))) == ([], [], [])


def test_the_command_prints_and_stores_the_name_masked(tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    good = write(tmp_path, "spor_19121212-1212.csv", SPOR_HEADER, spor_rows())
    bad = _latin1(tmp_path / "ncr_191212121212.csv")
    with pytest.raises(CommandError):
        call_command("import_lagesbild", str(good), str(bad), str(tmp_path / "saknas_121212-1212.csv"))
    out = capsys.readouterr()
    assert "spor_XXXXXXXX-XXXX.csv: inläst (SPOR, 7 rader)." in out.out
    assert "ncr_XXXXXXXX-XXXX.csv rad 2, kolumn vardenhet_namn" in out.err
    assert (_lackor(out.out + out.err), _lackor(_lagrat()), _lackor(caplog.text)) == ([], [], [])


def test_an_upload_never_stores_logs_shows_or_files_a_personnummer(client_for, settings, caplog):
    caplog.set_level(logging.DEBUG)
    admin = client_for(Roll.ADMINISTRATOR)
    for namn, innehall in (
        ("ncr_19121212-1212.csv", ("\n".join([NCR_HEADER, *ncr_rows()]) + "\n").encode()),
        ("spor_191212121212.csv", b"a;b\n1;2\n"),
    ):
        response = admin.post(
            "/lagesbild/importer/ladda-upp/", {"fil": SimpleUploadedFile(namn, innehall)}, follow=True
        )
        assert response.status_code == 200
        assert _lackor(response.content.decode()) == []
        assert all(_lackor(url) == [] for url, _ in response.redirect_chain)
    assert ImportRun.objects.filter(status=ImportStatus.KLAR, filnamn="ncr_XXXXXXXX-XXXX.csv").exists()
    assert (_lackor(_lagrat()), _lackor(caplog.text), _lackor(_filnamn(settings))) == ([], [], [])


def test_catalogue_and_agreement_files_never_store_a_personnummer_from_their_name(caplog):
    """The same rule for the other two importers: the name is masked before it is stored or logged."""
    from avtal.models import AvtalsUppladdning
    from avtal.uppladdning import uppladdning_skapa
    from katalog.importer import import_katalog
    from katalog.models import KatalogImport

    caplog.set_level(logging.DEBUG)
    import_katalog(data=b"inte en katalog", filnamn="katalog_19121212-1212.csv")
    uppladdning_skapa(filnamn="avtal_191212121212.csv", innehall=b"inte ett avtal")
    lagrat = " ".join(KatalogImport.objects.values_list("filnamn", flat=True)) + " ".join(
        AvtalsUppladdning.objects.values_list("filnamn", flat=True)
    )
    assert "katalog_" in lagrat and "avtal_" in lagrat
    assert _lackor(lagrat) == [] and _lackor(caplog.text) == []


def test_the_command_never_shows_or_logs_a_personnummer_from_a_read_error(tmp_path, capsys, caplog, monkeypatch):
    """An OSError's text carries the raw path: the import's log line and the command's output never show it."""
    from lagesbild import importers

    caplog.set_level(logging.DEBUG)
    trasig = write(tmp_path, "remiss_19121212_1212.csv", SPOR_HEADER, spor_rows())
    olasbar = write(tmp_path, "spor_19121212 1212.csv", SPOR_HEADER, spor_rows())
    saknas = tmp_path / "121212.1212" / "spor.csv"

    def las_csv(path, **kw):
        raise PermissionError(13, "Permission denied", str(path))

    riktig_sha256 = importers.sha256

    def sha256(path):
        if path == olasbar:
            raise PermissionError(13, "Permission denied", str(path))
        return riktig_sha256(path)

    monkeypatch.setattr(importers, "las_csv", las_csv)
    monkeypatch.setattr(importers, "sha256", sha256)
    with pytest.raises(CommandError) as fel:
        call_command("import_lagesbild", str(trasig), str(olasbar), str(saknas))
    out = capsys.readouterr()
    assert "remiss_XXXXXXXX-XXXX.csv: Importen misslyckades oväntat (PermissionError)" in out.err
    assert "spor_XXXXXXXX-XXXX.csv: filen kunde inte läsas (PermissionError)" in out.err
    assert "XXXXXXXX-XXXX/spor.csv: filen finns inte." in out.err
    assert "Import av remiss_XXXXXXXX-XXXX.csv misslyckades" in caplog.text
    assert "PermissionError" in caplog.text  # the traceback is still logged, masked
    assert (_lackor(out.out + out.err + str(fel.value)), _lackor(_lagrat()), _lackor(caplog.text)) == ([], [], [])


def test_a_parser_message_naming_the_path_is_logged_masked(tmp_path, caplog, monkeypatch):
    import pyarrow as pa

    from lagesbild import validering
    from lagesbild.importers import importera_fil

    caplog.set_level(logging.DEBUG)
    path = write(tmp_path, "remiss_19121212_1212.csv", SPOR_HEADER, spor_rows())

    def read_csv(fil, **kw):
        raise pa.ArrowInvalid(f"CSV parse error in '{fil}'")

    monkeypatch.setattr(validering.lasning.pa_csv, "read_csv", read_csv)
    res = importera_fil(path, startad_av="test")
    assert res.run.status == ImportStatus.AVVISAD
    assert "kunde inte tolkas som CSV" in caplog.text and "remiss_XXXXXXXX-XXXX.csv'" in caplog.text
    assert (_lackor(caplog.text), _lackor(_lagrat())) == ([], [])
