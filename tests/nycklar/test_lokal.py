"""The local key service (make run): key files outside the database, 0600/0700, created once even when raced."""

from __future__ import annotations

import multiprocessing
import os
import stat

import pytest

from vardformedling.nycklar.fel import NyckelEjTillganglig, Orsak
from vardformedling.nycklar.lokal import LokalNyckeltjanst


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_first_use_creates_the_region_keys_with_private_permissions(tmp_path):
    tjanst = LokalNyckeltjanst(tmp_path / "nycklar")
    tjanst.wrap("20", os.urandom(32))
    region = tmp_path / "nycklar" / "regioner" / "20"
    assert sorted(p.name for p in region.iterdir()) == ["hmac.nyckel", "inslagning-v1.nyckel"]
    for mapp in (tmp_path / "nycklar", tmp_path / "nycklar" / "regioner", region):
        assert _mode(mapp) == 0o700
    for fil in region.iterdir():
        assert _mode(fil) == 0o600
        assert fil.stat().st_size == 32


def test_a_key_file_others_can_read_is_refused(tmp_path):
    tjanst = LokalNyckeltjanst(tmp_path / "nycklar")
    wrapped = tjanst.wrap("20", os.urandom(32))
    fil = tmp_path / "nycklar" / "regioner" / "20" / "inslagning-v1.nyckel"
    fil.chmod(0o644)
    with pytest.raises(NyckelEjTillganglig) as exc:
        tjanst.unwrap("20", wrapped)
    assert exc.value.orsak == Orsak.BEHORIGHET
    assert "0600" in exc.value.detalj
    assert exc.value.meddelande.startswith("Region Dalarnas nyckeltjänst svarar inte just nu")


def test_a_key_folder_others_can_enter_is_refused(tmp_path):
    tjanst = LokalNyckeltjanst(tmp_path / "nycklar")
    tjanst.wrap("20", os.urandom(32))
    (tmp_path / "nycklar" / "regioner" / "20").chmod(0o755)
    with pytest.raises(NyckelEjTillganglig) as exc:
        tjanst.rotate("20")
    assert exc.value.orsak == Orsak.BEHORIGHET


def test_a_missing_key_file_makes_the_region_unavailable_not_a_new_key(tmp_path):
    tjanst = LokalNyckeltjanst(tmp_path / "nycklar")
    wrapped = tjanst.wrap("06", os.urandom(32))
    (tmp_path / "nycklar" / "regioner" / "06" / "inslagning-v1.nyckel").unlink()
    with pytest.raises(NyckelEjTillganglig) as exc:
        tjanst.unwrap("06", wrapped)
    assert exc.value.orsak == Orsak.NYCKEL_SAKNAS
    assert str(exc.value).startswith("Region Jönköpings läns nyckeltjänst svarar inte just nu")
    with pytest.raises(NyckelEjTillganglig):
        tjanst.wrap("06", os.urandom(32))  # no silent new version 1 that old blobs would not open under
    assert not (tmp_path / "nycklar" / "regioner" / "06" / "inslagning-v1.nyckel").exists()


def test_a_missing_hmac_key_is_not_silently_replaced(tmp_path):
    tjanst = LokalNyckeltjanst(tmp_path / "nycklar")
    before = tjanst.keyed_hash("06", b"191212121212")
    (tmp_path / "nycklar" / "regioner" / "06" / "hmac.nyckel").unlink()
    with pytest.raises(NyckelEjTillganglig):
        tjanst.keyed_hash("06", b"191212121212")  # stored hashes would silently stop matching
    tjanst.skapa("06")  # an operator's deliberate `nycklar --skapa 06` makes a new one
    assert tjanst.keyed_hash("06", b"191212121212") != before


def _wrap_i_process(katalog: str, start, data_key: bytes, svar) -> None:
    start.wait()
    svar.put(LokalNyckeltjanst(katalog).wrap("20", data_key))


def test_processes_starting_at_once_create_one_key(tmp_path):
    katalog = str(tmp_path / "nycklar")
    ctx = multiprocessing.get_context("fork")
    start, svar = ctx.Barrier(6), ctx.Queue()
    keys = [os.urandom(32) for _ in range(6)]
    procs = [ctx.Process(target=_wrap_i_process, args=(katalog, start, k, svar)) for k in keys]
    for p in procs:
        p.start()
    wrapped = [svar.get(timeout=30) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0

    region = tmp_path / "nycklar" / "regioner" / "20"
    assert sorted(p.name for p in region.iterdir()) == ["hmac.nyckel", "inslagning-v1.nyckel"]
    assert [p.name for p in region.parent.iterdir()] == ["20"]  # no temporary folders left behind
    # Every process wrapped under the one key that exists.
    assert sorted(LokalNyckeltjanst(katalog).unwrap_many("20", wrapped)) == sorted(keys)


def test_status_shows_versions_and_never_key_material(tmp_path):
    tjanst = LokalNyckeltjanst(tmp_path / "nycklar")
    assert tjanst.status("20").tillganglig is False
    tjanst.skapa("20")
    tjanst.rotate("20")
    status = tjanst.status("20")
    assert status.tillganglig and status.versioner == (1, 2) and status.har_hmac
    for fil in (tmp_path / "nycklar" / "regioner" / "20").iterdir():
        assert fil.read_bytes().hex() not in repr(status)
