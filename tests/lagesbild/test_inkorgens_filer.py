"""Filing inbox files: two runs at once import a file once; a file is never moved over another one; a file imported
but not moved to archive/ is filed later and never imported again; names put back are cut in bytes."""

import errno
import os
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from lagesbild import inkorg
from lagesbild.importers import sha256
from lagesbild.models import ImportRun, ImportStatus, Leverans, Matvarde
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, ncr_rows, spor_rows, write
from tests.processer import samtidigt

NCR = "ncr_katarakt_20261120.csv"


@pytest.mark.django_db(transaction=True)
def test_two_inbox_runs_at_once_over_the_same_file_import_it_once(settings, monkeypatch):
    write(Path(settings.LAGESBILD_INBOX), NCR, NCR_HEADER, ncr_rows())
    mote, verklig = threading.Barrier(2, timeout=30), inkorg.filer_i_inkorgen

    def lista_samtidigt():
        filer = verklig()
        mote.wait()  # both runs have seen the file before either claims it
        return filer

    monkeypatch.setattr(inkorg, "filer_i_inkorgen", lista_samtidigt)
    resultat = samtidigt(*[lambda: inkorg.importera_inkorg(startad_av="beat")] * 2)
    monkeypatch.undo()

    assert sorted(len(r) for r in resultat) == [0, 1], resultat  # one run imported it, the other found it gone
    assert ImportRun.objects.get().status == ImportStatus.KLAR
    assert Matvarde.objects.count() == len(ncr_rows())
    assert [p.name for p in inkorg.mappar()["archive"].iterdir()] == [NCR] and verklig() == []


def _en_annan_korning_arkiverar_samtidigt(monkeypatch, namn: str) -> bytes:
    """The first move into archive/ under `namn` finds that another run has just filed a file of the same name
    there (after any check whether the name was free). Returns that file's content."""
    annan = b"en annan korning\n"
    verkliga = {f: getattr(os, f) for f in ("link", "rename", "replace")}

    def flytt(funktion):
        def flytta(src, dst):
            dst = Path(dst)
            if dst.parent.name == "archive" and dst.name == namn and not annan_skriven:
                annan_skriven.append(dst.write_bytes(annan))
            return verkliga[funktion](src, dst)

        return flytta

    annan_skriven: list = []
    for funktion in verkliga:
        monkeypatch.setattr(os, funktion, flytt(funktion))
    return annan


@pytest.mark.django_db
def test_a_file_filed_under_the_same_name_at_the_same_moment_by_another_run_is_never_overwritten(settings, monkeypatch):
    write(Path(settings.LAGESBILD_INBOX), NCR, NCR_HEADER, ncr_rows())
    annan = _en_annan_korning_arkiverar_samtidigt(monkeypatch, NCR)
    [res] = inkorg.importera_inkorg(startad_av="beat")
    monkeypatch.undo()
    assert res.run.status == ImportStatus.KLAR
    arkiv = {p.name: p.read_bytes() for p in inkorg.mappar()["archive"].iterdir()}
    assert len(arkiv) == 2 and arkiv[NCR] == annan, "the other run's file is kept"
    [egen] = [namn for namn in arkiv if namn != NCR]
    assert egen.endswith("_" + NCR) and arkiv[egen].startswith(NCR_HEADER.encode())


@pytest.mark.django_db
def test_where_no_hard_link_may_be_made_files_are_still_filed(settings, monkeypatch):
    """fs.protected_hardlinks refuses a link to a file another user delivered (EPERM): filed by a rename instead."""
    write(Path(settings.LAGESBILD_INBOX), NCR, NCR_HEADER, ncr_rows())
    write(Path(settings.LAGESBILD_INBOX), "spor_fel.csv", SPOR_HEADER, [spor_rows()[0].replace(";48;", ";-48;")])

    def ingen_lank(src, dst):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", ingen_lank)
    results = inkorg.importera_inkorg(startad_av="beat")
    monkeypatch.undo()
    assert [r.run.status for r in results] == [ImportStatus.KLAR, ImportStatus.AVVISAD]
    mappar = inkorg.mappar()
    assert [p.name for p in mappar["archive"].iterdir()] == [NCR]
    assert [p.name for p in mappar["rejected"].iterdir()] == ["spor_fel.csv"]
    assert list(mappar["processing"].iterdir()) == [] and inkorg.filer_i_inkorgen() == []


def _arkivet_gar_inte_att_na(monkeypatch) -> None:
    """archive/ cannot be reached (EACCES): neither looked into nor written."""
    verklig_exists = Path.exists
    verkliga = {f: getattr(os, f) for f in ("link", "rename", "replace")}

    def i_arkivet(path) -> bool:
        return Path(path).parent.name == "archive"

    def exists(self, *args, **kwargs):
        if i_arkivet(self):
            raise PermissionError(errno.EACCES, "Permission denied")
        return verklig_exists(self, *args, **kwargs)

    def flytt(funktion):
        def flytta(src, dst):
            if i_arkivet(dst):
                raise PermissionError(errno.EACCES, "Permission denied")
            return verkliga[funktion](src, dst)

        return flytta

    monkeypatch.setattr(Path, "exists", exists)
    for funktion in verkliga:
        monkeypatch.setattr(os, funktion, flytt(funktion))


@pytest.mark.django_db
def test_an_imported_file_that_cannot_be_archived_gives_one_successful_run_not_a_second_failed_one(
    settings, monkeypatch
):
    write(Path(settings.LAGESBILD_INBOX), NCR, NCR_HEADER, ncr_rows())
    _arkivet_gar_inte_att_na(monkeypatch)
    results = inkorg.importera_inkorg(startad_av="beat")
    monkeypatch.undo()
    assert [r.run.status for r in results] == [ImportStatus.KLAR]
    assert list(ImportRun.objects.values_list("status", flat=True)) == [ImportStatus.KLAR]
    mappar = inkorg.mappar()
    assert [p.name[33:] for p in mappar["processing"].iterdir()] == [NCR], "kept, not lost"
    assert list(mappar["rejected"].iterdir()) == [] and inkorg.filer_i_inkorgen() == []


@pytest.mark.django_db
def test_an_imported_file_left_in_processing_is_archived_later_not_imported_over_a_newer_delivery(
    settings, monkeypatch
):
    inbox = Path(settings.LAGESBILD_INBOX)
    write(inbox, NCR, NCR_HEADER, ncr_rows())
    forsta = sha256(inbox / NCR)
    _arkivet_gar_inte_att_na(monkeypatch)
    [res] = inkorg.importera_inkorg(startad_av="beat")
    monkeypatch.undo()
    assert res.run.status == ImportStatus.KLAR

    # A corrected delivery for the same date, imported while the first file's claim is young.
    write(inbox, NCR, NCR_HEADER, [r.replace(";310;164;", ";311;150;") for r in ncr_rows()])
    rattad = sha256(inbox / NCR)
    assert [r.run.status for r in inkorg.importera_inkorg(startad_av="beat")] == [ImportStatus.KLAR]
    assert Leverans.objects.get().checksumma == rattad

    # Later the claim is old enough to be taken back: its run finished, so it is filed, not read again.
    settings.LAGESBILD_HANGANDE_EFTER = timedelta(microseconds=1)
    assert inkorg.importera_inkorg(startad_av="beat") == []
    assert inkorg.aterstall_avbrutna() == 0
    leverans = Leverans.objects.get()
    assert leverans.checksumma == rattad, "the newer delivery stands"
    assert set(
        Matvarde.objects.filter(leverans=leverans, urval="alla", matperiod="90d").values_list("median", flat=True)
    ) >= {150}
    assert ImportRun.objects.count() == 2
    mappar = inkorg.mappar()
    arkiv = sorted(mappar["archive"].iterdir())
    assert len(arkiv) == 2 and all(p.name.endswith(NCR) for p in arkiv)
    assert sorted(sha256(p) for p in arkiv) == sorted([forsta, rattad])
    assert list(mappar["processing"].iterdir()) == [] and inkorg.filer_i_inkorgen() == []


@pytest.mark.django_db
def test_a_put_back_file_with_the_longest_name_keeps_its_extension_and_is_imported(settings):
    namn = "spor_" + "x" * 213 + ".csv"  # 222 bytes: the longest a claim can hold
    inbox = Path(settings.LAGESBILD_INBOX)
    claimed = write(inkorg.mappar()["processing"], f"{uuid.uuid4().hex}_{namn}", SPOR_HEADER, spor_rows())
    os.utime(claimed, (0, 0))  # a dead run's claim
    write(inbox, namn, SPOR_HEADER, spor_rows("2026-11-21"))  # a new delivery of the same name meanwhile
    assert inkorg.aterstall_avbrutna() == 1
    namnen = [p.name for p in inkorg.filer_i_inkorgen()]
    assert len(namnen) == 2 and namn in namnen
    assert all(n.endswith(".csv") and len(n.encode()) <= inkorg.MAX_INKORGSNAMN_BYTE for n in namnen), namnen
    results = inkorg.importera_inkorg(startad_av="beat")
    assert [r.run.status for r in results] == [ImportStatus.KLAR, ImportStatus.KLAR]
    assert inkorg.filer_i_inkorgen() == [] and list(inkorg.mappar()["processing"].iterdir()) == []


def test_the_inbox_stamp_never_makes_a_name_look_like_a_personnummer(monkeypatch):
    """An all-digit random part followed by a name starting with four digits read as ÅÅMMDD_NNNN and was masked,
    mangling the stamp and the name. The stamp's letters break every digit run."""
    monkeypatch.setattr(inkorg.uuid, "uuid4", lambda: uuid.UUID(int=0x12345612345612345612345612345612))
    namn = inkorg.saker_filnamn("2026-spor.csv")
    assert "XXXX" not in namn and namn.endswith("_2026-spor.csv")
    assert inkorg.maskera_i_text(namn) == namn
