"""The key service's contract, for both backends: wrap/unwrap, versions and rotation, keyed hash, refusals."""

from __future__ import annotations

import os

import pytest

from vardformedling.nycklar.fel import OgiltigInslagning
from vardformedling.nycklar.tjanst import las_inslagen, nyckelversion


def test_a_data_key_comes_back_from_its_wrapped_blob(tjanst):
    data_key = os.urandom(32)
    wrapped = tjanst.wrap("20", data_key)
    assert data_key not in wrapped
    assert las_inslagen(wrapped).region_kod == "20"
    assert tjanst.unwrap("20", wrapped) == data_key


def test_wrapping_twice_with_the_same_key_gives_the_same_data_key_back_for_fifty_cases(tjanst):
    keys = [os.urandom(32) for _ in range(50)]
    wrapped = [tjanst.wrap("06", k) for k in keys]
    assert tjanst.unwrap_many("06", wrapped) == keys


def test_a_blob_of_another_region_is_refused(tjanst):
    tjanst.wrap("06", os.urandom(32))
    wrapped = tjanst.wrap("20", os.urandom(32))
    with pytest.raises(OgiltigInslagning):
        tjanst.unwrap("06", wrapped)
    # Relabelled as region 06's blob it still does not open under 06's key.
    relabelled = wrapped[:1] + b"06" + wrapped[3:]
    with pytest.raises(OgiltigInslagning):
        tjanst.unwrap("06", relabelled)


def test_a_damaged_blob_is_refused(tjanst):
    wrapped = bytearray(tjanst.wrap("20", os.urandom(32)))
    wrapped[-5] ^= 0x10
    with pytest.raises(OgiltigInslagning) as exc:
        tjanst.unwrap("20", bytes(wrapped))
    assert "kunde inte öppnas" in exc.value.meddelande
    with pytest.raises(OgiltigInslagning):
        tjanst.unwrap("20", b"not a blob")


def test_only_256_bit_data_keys_and_real_region_codes_are_accepted(tjanst):
    with pytest.raises(ValueError):
        tjanst.wrap("20", os.urandom(16))
    with pytest.raises(ValueError):
        tjanst.wrap("2", os.urandom(32))


def test_rotation_keeps_old_blobs_readable_and_rewrap_moves_them_to_the_new_version(roterbar):
    tjanst, rr = roterbar
    data_key = os.urandom(32)
    old = tjanst.wrap(rr, data_key)
    before = tjanst.aktuell_version(rr)
    assert nyckelversion(old) == before

    new_version = tjanst.rotate(rr)

    assert new_version == before + 1
    assert tjanst.aktuell_version(rr) == new_version
    assert tjanst.versioner(rr)[-2:] == (before, new_version)
    assert tjanst.unwrap(rr, old) == data_key  # the old version still unwraps
    rewrapped = tjanst.rewrap(rr, old)
    assert nyckelversion(rewrapped) == new_version and rewrapped != old
    assert tjanst.unwrap(rr, rewrapped) == data_key  # same data key: the data it encrypts is untouched
    assert tjanst.rewrap(rr, rewrapped) == rewrapped  # already current: unchanged
    assert nyckelversion(tjanst.wrap(rr, os.urandom(32))) == new_version


def test_the_keyed_hash_is_stable_in_a_region_and_differs_across_regions(tjanst):
    pnr = b"191212121212"
    first = tjanst.keyed_hash("20", pnr)
    assert len(first) == 32
    assert tjanst.keyed_hash("20", pnr) == first
    assert tjanst.keyed_hash("20", b"191212121213") != first
    assert tjanst.keyed_hash("06", pnr) != first
    assert pnr.hex().encode() not in first and pnr not in first


def test_rotation_does_not_change_the_keyed_hash(roterbar):
    tjanst, rr = roterbar
    before = tjanst.keyed_hash(rr, b"191212121212")
    tjanst.rotate(rr)
    assert tjanst.keyed_hash(rr, b"191212121212") == before
