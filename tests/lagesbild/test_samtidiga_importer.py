"""Register imports in parallel (PostgreSQL, real transactions, a connection per thread): they write one at a time
and both succeed; a clean-up that fails after commit does not turn a committed import into a failed one."""

import contextlib
import threading

import pytest

from lagesbild import bulk
from lagesbild.importers import importera_fil
from lagesbild.models import ImportRun, ImportStatus, Leverans, Matvarde
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, ncr_rows, spor_rows, write
from tests.processer import samtidigt

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_register_imports_at_once_both_succeed_without_a_deadlock(tmp_path, monkeypatch):
    """Each import replaces an older delivery of its source, so each deletes from the default partition before it
    locks the figure table for its ids; both reach that lock at the same moment (before the fix: a deadlock)."""
    assert bulk.partitionerad(), "the figure table is partitioned on PostgreSQL"
    assert importera_fil(write(tmp_path, "spor_1.csv", SPOR_HEADER, spor_rows()), startad_av="kommando").lyckad
    assert importera_fil(write(tmp_path, "ncr_1.csv", NCR_HEADER, ncr_rows()), startad_av="kommando").lyckad
    spor = write(tmp_path, "spor_2.csv", SPOR_HEADER, spor_rows("2026-11-21"))
    ncr = write(tmp_path, "ncr_2.csv", NCR_HEADER, ncr_rows("2026-11-21"))
    mote, verklig = threading.Barrier(2, timeout=3), bulk.reservera_id

    def reservera_samtidigt(antal):
        # Fixed, the second import waits for the register write lock before it locks anything, so the first one
        # waits here in vain for 3 s and goes on alone; the second then finds the barrier broken.
        with contextlib.suppress(threading.BrokenBarrierError):
            mote.wait()
        return verklig(antal)

    monkeypatch.setattr(bulk, "reservera_id", reservera_samtidigt)
    resultat = samtidigt(
        lambda: importera_fil(spor, startad_av="natt-1"), lambda: importera_fil(ncr, startad_av="natt-2")
    )

    assert [getattr(r, "lyckad", r) for r in resultat] == [True, True], [getattr(r, "run", r) for r in resultat]
    assert [r.run.meddelande for r in resultat] == ["", ""]
    for kalla, rader in (("SPOR", spor_rows()), ("NCR", ncr_rows())):
        senaste = Leverans.objects.filter(kalla=kalla).latest("uttagsdatum")
        assert senaste.uttagsdatum.isoformat() == "2026-11-21"
        assert Matvarde.objects.filter(leverans=senaste).count() == len(rader) == senaste.rader
    assert Matvarde.objects.count() == len(spor_rows()) + len(ncr_rows()), "older deliveries' rows are gone"


def test_the_same_file_in_two_imports_at_once_is_written_once(tmp_path):
    """The second import finds the first one's delivery under the write lock: "redan inläst", nothing replaced."""
    a = write(tmp_path, "spor_a.csv", SPOR_HEADER, spor_rows())
    b = write(tmp_path, "spor_b.csv", SPOR_HEADER, spor_rows())
    resultat = samtidigt(lambda: importera_fil(a, startad_av="natt-1"), lambda: importera_fil(b, startad_av="natt-2"))
    assert sorted(r.run.status for r in resultat) == [ImportStatus.KLAR, ImportStatus.REDAN_INLAST], resultat
    assert Leverans.objects.count() == 1 and Matvarde.objects.count() == len(spor_rows())


def test_a_clean_up_that_fails_after_commit_leaves_the_import_successful(tmp_path, monkeypatch, caplog):
    assert importera_fil(write(tmp_path, "ncr_1.csv", NCR_HEADER, ncr_rows()), startad_av="kommando").lyckad
    gammal = Leverans.objects.get()
    anrop = []
    verklig = bulk.stada_partitioner

    def stadning_som_fallerar(**kwargs):
        anrop.append(kwargs)
        if len(anrop) == 1:  # the one before the write, at the start of the import
            return verklig(**kwargs)
        raise RuntimeError("städningen föll")  # the one after commit

    monkeypatch.setattr(bulk, "stada_partitioner", stadning_som_fallerar)
    rows = [r.replace(";310;164;", ";311;150;") for r in ncr_rows("2026-11-21")]
    res = importera_fil(write(tmp_path, "ncr_2.csv", NCR_HEADER, rows), startad_av="kommando")
    monkeypatch.undo()

    assert len(anrop) == 2, "the clean-up after commit was called"
    assert res.lyckad and res.run.status == ImportStatus.KLAR, res.run.meddelande
    run = ImportRun.objects.get(pk=res.run.pk)
    assert run.status == ImportStatus.KLAR and run.rader == len(rows)
    ny = Leverans.objects.latest("uttagsdatum")
    assert ny.import_run_id == run.pk and Matvarde.objects.filter(leverans=ny).count() == len(rows)
    assert Matvarde.objects.filter(leverans=ny, median=150).exists()
    assert "städningen föll" in caplog.text  # logged
    assert bulk.stada_partitioner() == 1  # the old partition goes at the next clean-up
    assert not Matvarde.objects.filter(leverans_id=gammal.pk).exists()


def test_a_partition_another_import_dropped_meanwhile_does_not_fail_the_clean_up(tmp_path, monkeypatch):
    """Two imports starting at once both list the same abandoned partition; the one that DROPs second gets
    "could not find tuple for parent of relation" (an InternalError, not a lock timeout). Before the fix that
    error failed the whole import (CI saw it as MISSLYCKAD); now the clean-up lists again and goes on."""
    assert importera_fil(write(tmp_path, "ncr_1.csv", NCR_HEADER, ncr_rows()), startad_av="kommando").lyckad
    from django.db import InternalError
    from django.db.backends.utils import CursorWrapper

    verklig, fel = CursorWrapper.execute, []

    def execute(self, sql, params=None):
        if sql.startswith("DROP TABLE") and not fel:
            fel.append(sql)
            verklig(self, sql, params)  # dropped "by the other import" …
            raise InternalError("could not find tuple for parent of relation 514199")  # … as this one sees it
        return verklig(self, sql, params)

    Leverans.objects.all().delete()  # deleted by hand: its partition is abandoned and listed for dropping
    monkeypatch.setattr(CursorWrapper, "execute", execute)
    bulk.stada_partitioner(forsok=2)
    monkeypatch.undo()

    assert fel, "the DROP ran"
    assert bulk.stada_partitioner() == 0, "nothing is left to drop: the partition is gone"
