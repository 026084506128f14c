"""The read-replica router and its middleware without a replica server: which requests may read from the replica,
that a write pins the rest of the request and the browser to the primary, and that nothing changes without
DATABASE_REPLICA_URL. The real primary + replica pair is in tests/faults/test_read_replica.py."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve

from vardformedling import dbrouter
from vardformedling.dbrouter import PIN_COOKIE, REPLIKA, ReplikaMiddleware, ReplikaRouter, _lage, las_sida

router = ReplikaRouter()


@pytest.fixture
def med_replika(monkeypatch):
    """As if DATABASE_REPLICA_URL named a replica that is up and caught up."""
    monkeypatch.setattr(dbrouter, "replika_konfigurerad", lambda: True)
    monkeypatch.setattr(dbrouter.halsa, "anvandbar_nu", lambda tvinga=False: True)


def kor(request, vy=None):
    """Runs the middleware around `vy`; returns (response, where a read inside the view went, the state)."""
    sett: dict = {}

    def get_response(req):
        # What Django does between the middleware's __call__ and the view: resolve the URL, then process_view.
        req.resolver_match = resolve(req.path_info)
        assert middleware.process_view(req, req.resolver_match.func, (), {}) is None
        sett["las"] = router.db_for_read(None)
        sett["lage"] = _lage.get()
        if vy:
            vy(req, sett)
        return HttpResponse("ok")

    middleware = ReplikaMiddleware(get_response)
    response = middleware(request)
    return response, sett


def test_outside_a_request_everything_reads_and_writes_on_the_primary():
    assert router.db_for_read(None) == "default"
    assert router.db_for_write(None) == "default"
    assert router.db_for_read(None) == "default"
    assert router.allow_migrate("default", "arenden") and not router.allow_migrate(REPLIKA, "arenden")


def test_without_a_replica_the_middleware_changes_nothing(rf: RequestFactory):
    response, sett = kor(rf.get("/katalog/sok/"))
    assert sett["las"] == "default" and sett["lage"] is None
    response, sett = kor(rf.post("/arenden/"))
    assert PIN_COOKIE not in response.cookies


@pytest.mark.parametrize(
    ("path", "replika"),
    [
        ("/katalog/sok/", True),
        ("/katalog/enheter/SE2321000016-1001/", True),
        ("/lagesbild/", True),
        ("/lagesbild/enheter/SE2321000016-1001/", True),
        ("/uppfoljning/", True),
        ("/lagesbild/importer/", False),
        ("/lagesbild/importer/status/abc/", False),
        ("/arenden/", False),
        ("/arenden/nytt/", False),
        ("/katalog/kapacitet/", False),
        ("/avtal/", False),
        ("/login/", False),
        ("/healthz", False),
    ],
)
def test_which_pages_may_read_from_the_replica(path, replika):
    assert las_sida(resolve(path)) is replika


def test_a_read_only_page_reads_from_the_replica_until_it_writes(rf, med_replika):
    def vy(request, sett):
        sett["forsta"] = router.db_for_read(None)
        assert router.db_for_write(None) == "default"
        sett["efter_skrivning"] = router.db_for_read(None)

    response, sett = kor(rf.get("/lagesbild/"), vy)
    assert sett["forsta"] == REPLIKA
    assert sett["efter_skrivning"] == "default", "a read after a write in the same request goes to the primary"
    assert response.cookies[PIN_COOKIE]["max-age"] > 0, "and the browser is pinned to the primary"
    assert _lage.get() is None, "the state ends with the request"


def test_a_page_that_only_reads_sets_no_pin(rf, med_replika):
    response, sett = kor(rf.get("/katalog/sok/?q=ortopedi"))
    assert sett["las"] == REPLIKA
    assert PIN_COOKIE not in response.cookies


def test_a_post_reads_from_the_primary_and_pins_the_browser(rf, med_replika, settings):
    response, sett = kor(rf.post("/lagesbild/"))
    assert sett["las"] == "default"
    pin = response.cookies[PIN_COOKIE]
    assert pin["max-age"] == settings.DATABASE_REPLICA_PIN
    assert settings.DATABASE_REPLICA_PIN > settings.DATABASE_REPLICA_MAX_LAG + settings.DATABASE_REPLICA_KONTROLL
    assert pin["httponly"] and pin["samesite"] == "Lax"


def test_a_pinned_browser_reads_from_the_primary(rf, med_replika):
    request = rf.get("/lagesbild/")
    request.COOKIES[PIN_COOKIE] = "1"
    _response, sett = kor(request)
    assert sett["las"] == "default"


def test_other_pages_read_from_the_primary(rf, med_replika):
    _response, sett = kor(rf.get("/arenden/"))
    assert sett["las"] == "default"


def test_a_replica_that_is_down_or_behind_is_bypassed(rf, monkeypatch):
    monkeypatch.setattr(dbrouter, "replika_konfigurerad", lambda: True)
    monkeypatch.setattr(dbrouter.halsa, "anvandbar_nu", lambda tvinga=False: False)
    _response, sett = kor(rf.get("/lagesbild/"))
    assert sett["las"] == "default"


def test_the_lag_is_asked_at_most_once_per_check_interval(monkeypatch, settings):
    settings.DATABASE_REPLICA_KONTROLL = 60
    settings.DATABASE_REPLICA_MAX_LAG = 5
    svar = iter([0.5, 30.0])
    fragor = []
    monkeypatch.setattr(dbrouter, "_fraga_lag", lambda: fragor.append(1) or next(svar))
    halsa = dbrouter._Halsa()
    assert halsa.anvandbar_nu() and halsa.anvandbar_nu() and len(fragor) == 1
    assert not halsa.anvandbar_nu(tvinga=True), "30 s behind is more than the 5 s allowed"
    assert halsa.lag == 30.0

    def nere():
        raise OSError("connection refused")

    monkeypatch.setattr(dbrouter, "_fraga_lag", nere)
    monkeypatch.setattr(dbrouter, "_stang_replika", lambda: None)
    assert not halsa.anvandbar_nu(tvinga=True), "a replica that does not answer is not used (and nothing raises)"
