"""Reference data read once per process (vardformedling/referensdata.py): no query while nothing changed, and
every way the portal writes a region, a KVÅ group or a delivery shows at once; without a cache it still works."""

from datetime import date

import pytest

from katalog import api as katalog_api
from katalog.models import KvaGrupp
from lagesbild import api as lagesbild_api
from lagesbild.models import Kalla, Leverans
from vardformedling import referensdata
from vardformedling.models import Region

pytestmark = pytest.mark.django_db


def _koder() -> set[str]:
    return {k.kod for k in katalog_api.kva_grupper()}


def test_a_second_read_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(3):
        katalog_api.kva_grupper(), referensdata.regioner(), lagesbild_api.senaste_leveranser()
    with django_assert_num_queries(0):
        assert len(katalog_api.kva_grupper()) > 10 and len(referensdata.regioner()) == 21
        lagesbild_api.senaste_leveranser()


def test_saved_and_deleted_kva_groups_show_at_once():
    assert "ZZA" not in _koder()
    grupp = KvaGrupp.objects.create(kod="ZZA", benamning="Ny grupp")
    assert "ZZA" in _koder()
    grupp.benamning = "Nytt namn"
    grupp.save()
    assert next(k for k in katalog_api.kva_grupper() if k.kod == "ZZA").benamning == "Nytt namn"
    grupp.delete()
    assert "ZZA" not in _koder()


def test_bulk_writes_show_at_once_as_the_importers_make_them():
    _koder()
    KvaGrupp.objects.bulk_create([KvaGrupp(kod="ZZB"), KvaGrupp(kod="ZZC")], ignore_conflicts=True)
    assert {"ZZB", "ZZC"} <= _koder()
    KvaGrupp.objects.filter(kod="ZZB").update(benamning="Uppdaterad")
    assert next(k for k in katalog_api.kva_grupper() if k.kod == "ZZB").benamning == "Uppdaterad"
    KvaGrupp.objects.filter(kod__in=["ZZB", "ZZC"]).delete()
    assert not {"ZZB", "ZZC"} & _koder()


def test_a_regions_guarantee_days_show_at_once():
    assert next(r for r in referensdata.regioner() if r.kod == "13").vardgaranti_dagar == 60
    Region.objects.filter(kod="13").update(vardgaranti_dagar=45)
    assert next(r for r in referensdata.regioner() if r.kod == "13").vardgaranti_dagar == 45


def test_a_new_delivery_is_the_newest_at_once():
    assert Kalla.NCR not in lagesbild_api.senaste_leveranser()
    Leverans.objects.create(kalla=Kalla.NCR, uttagsdatum=date(2026, 10, 31), checksumma="a")
    assert lagesbild_api.senaste_leveranser()[Kalla.NCR].uttagsdatum == date(2026, 10, 31)
    Leverans.objects.create(kalla=Kalla.NCR, uttagsdatum=date(2026, 11, 30), checksumma="b")
    assert lagesbild_api.senaste_leveranser()[Kalla.NCR].uttagsdatum == date(2026, 11, 30)


def test_another_process_sees_the_change_through_the_shared_version():
    """A write elsewhere drops the version in the shared cache; this process's copy is then not used."""
    _koder()
    KvaGrupp.objects.bulk_create([KvaGrupp(kod="ZZD")])  # ... as if written by another process:
    referensdata._lokalt["kva_grupper"] = ("gammal", 0.0, [])  # this process still holds an old version
    assert "ZZD" in _koder()


def test_without_a_reachable_cache_the_rows_come_from_the_database(monkeypatch, django_assert_num_queries):
    def nere(*_args, **_kwargs):
        raise ConnectionError("Redis är nere")

    monkeypatch.setattr(referensdata.cache, "get", nere)
    monkeypatch.setattr(referensdata.cache, "delete", nere)
    with django_assert_num_queries(1):
        assert len(katalog_api.kva_grupper()) > 10
    KvaGrupp.objects.create(kod="ZZE")  # invalidation fails quietly
    assert "ZZE" in _koder()


def _i_en_begaran(fn):
    """`fn()` as inside one request (EnBegaranMiddleware)."""
    return referensdata.EnBegaranMiddleware(lambda _request: fn())(None)


def test_one_request_reads_each_version_once_and_sees_its_own_writes(monkeypatch):
    _koder(), referensdata.regioner()  # this process holds both sets
    fragor = []
    get_many, get = referensdata.cache.get_many, referensdata.cache.get
    monkeypatch.setattr(referensdata.cache, "get_many", lambda k: fragor.append(("get_many", k)) or get_many(k))
    monkeypatch.setattr(referensdata.cache, "get", lambda k, *a: fragor.append(("get", k)) or get(k, *a))

    def begaran():
        referensdata.forhamta()
        for _ in range(3):
            _koder(), referensdata.regioner()
        fore = list(fragor)
        KvaGrupp.objects.create(kod="ZZF")  # a write in the request: the request reads it back
        return fore, _koder()

    fore, koder = _i_en_begaran(begaran)
    assert "ZZF" in koder
    if isinstance(referensdata.caches["default"], referensdata.RedisCache):
        assert fore == []  # one pipeline for every set's version, then no round trip
    else:
        assert [f for f, _ in fore] == ["get_many"]
    assert {k for _, k in fragor[len(fore) :]} == {"vf:referensdata:kva_grupper:v1"}  # only the written set again


def test_a_counter_rides_with_the_versions_and_no_cache_means_no_count(monkeypatch):
    referensdata.cache.delete("test:raknare")
    assert [_i_en_begaran(lambda: referensdata.forhamta(rakna="test:raknare")) for _ in range(3)] == [1, 2, 3]
    assert referensdata.forhamta(rakna="test:raknare") == 4  # outside a request too

    def nere(*_args, **_kwargs):
        raise ConnectionError("Redis är nere")

    monkeypatch.setattr(referensdata, "_las_och_rakna", nere)
    assert _i_en_begaran(lambda: referensdata.forhamta(rakna="test:raknare")) is None


def test_a_search_request_reads_every_version_in_one_cache_round_trip(client_for, monkeypatch):
    """Issue 15 point 8: the search read five sets' versions with seven cache calls; now one `get_many`."""
    from django.core.cache import cache

    from vardformedling.models import Roll

    lots = client_for(Roll.VARDLOTS, region="20")
    lots.get("/katalog/sok/", {"kva": "CJE"})  # versions created, copies loaded
    anrop: list[tuple[str, str]] = []
    for namn in ("get", "get_many", "add"):
        original = getattr(cache, namn)
        monkeypatch.setattr(
            cache,
            namn,
            lambda nyckel, *a, _f=original, _n=namn, **k: anrop.append((_n, str(nyckel))) or _f(nyckel, *a, **k),
        )
    rundor: list[list[str]] = []
    las_och_rakna = referensdata._las_och_rakna
    monkeypatch.setattr(referensdata, "_las_och_rakna", lambda n, *a: rundor.append(n) or las_och_rakna(n, *a))
    assert lots.get("/katalog/sok/", {"kva": "CJE"}).status_code == 200
    # One round trip for every set's version (a pipeline on Redis, else one get_many), none asked for one by one.
    assert len(rundor) == 1 and len(rundor[0]) >= 5, rundor
    assert [namn for namn, nyckel in anrop if "vf:referensdata:" in nyckel and namn == "get"] == [], anrop


def test_a_write_during_a_request_is_seen_by_that_requests_later_reads():
    def begaran():
        assert next(r for r in referensdata.regioner() if r.kod == "13").vardgaranti_dagar != 61
        Region.objects.filter(kod="13").update(vardgaranti_dagar=61)
        return next(r for r in referensdata.regioner() if r.kod == "13").vardgaranti_dagar

    assert _i_en_begaran(begaran) == 61
