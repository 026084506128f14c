"""/api/v1/ speed without giving anything up (issue 20 point 6): a 304 and a repeated 200 read nothing from the
database, the last-used time is still written (at most once a minute), a revocation still holds at once, and a
kept answer is replaced by a new delivery, a catalogue change or a new day (the staleness flags count days)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from api import auth
from api.models import ApiToken
from katalog.models import Vardenhet
from lagesbild.importers import importera_fil
from tests.lagesbild.helpers import NCR_HEADER, ncr_rows, write

pytestmark = pytest.mark.django_db

URL = "/api/v1/vantetider"
UPPSALA = "SE5560000001-OGON02"


@pytest.fixture
def token():
    cache.clear()
    rad, token = ApiToken.skapa(system="Testsystem")
    return rad, token


@pytest.fixture
def api(client, token):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token[1]}"
    return client


def _ncr(tmp_path, datum, namn="ncr.csv"):
    importera_fil(write(tmp_path, namn, NCR_HEADER, ncr_rows(str(datum))), startad_av="test")


def test_a_304_and_a_repeated_200_read_nothing_from_the_database(api, tmp_path, django_assert_num_queries):
    _ncr(tmp_path, timezone.localdate() - timedelta(days=1))
    forsta = api.get(URL, {"kva": "CJE"})
    assert forsta.status_code == 200
    with django_assert_num_queries(0):  # the token, the versions and the answer are this process's
        igen = api.get(URL, {"kva": "CJE"})
        inte = api.get(URL, {"kva": "CJE"}, HTTP_IF_NONE_MATCH=forsta["ETag"])
    assert igen.status_code == 200 and igen.content == forsta.content and igen["ETag"] == forsta["ETag"]
    assert igen["Content-Type"] == forsta["Content-Type"]
    assert inte.status_code == 304 and not inte.content
    # The CSV is its own answer, kept apart.
    csv = api.get(URL, {"kva": "CJE", "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv") and csv["ETag"] != forsta["ETag"]
    assert api.get(URL, {"kva": "CJE", "format": "csv"}).content == csv.content


def test_last_used_is_written_at_most_once_a_minute_and_still_moves(api, token, monkeypatch, django_assert_num_queries):
    rad, _ = token
    assert api.get("/api/v1/regioner").status_code == 200
    rad.refresh_from_db()
    forsta = rad.senast_anvand
    assert forsta is not None
    with django_assert_num_queries(0):  # no UPDATE within the minute
        assert api.get("/api/v1/regioner").status_code == 200
    nu, klocka = timezone.now(), auth.time.monotonic()
    monkeypatch.setattr(auth.timezone, "now", lambda: nu + timedelta(seconds=61))
    monkeypatch.setattr(auth.time, "monotonic", lambda: klocka + 61)
    assert api.get("/api/v1/regioner").status_code == 200
    rad.refresh_from_db()
    assert rad.senast_anvand == nu + timedelta(seconds=61)


def test_a_revocation_holds_at_once_also_by_a_bulk_update(api, token):
    rad, _ = token
    assert api.get("/api/v1/regioner").status_code == 200  # this process now keeps the token
    ApiToken.objects.filter(pk=rad.pk).update(aterkallad=timezone.now())  # no model signal
    assert api.get("/api/v1/regioner").status_code == 401
    # A new token works on its first request, and is counted (rate limit) from it.
    _ny, ny = ApiToken.skapa(system="Nytt system")
    assert api.get("/api/v1/regioner", HTTP_AUTHORIZATION=f"Bearer {ny}").status_code == 200


def test_a_kept_answer_gives_way_to_a_catalogue_change_and_a_new_delivery(api, tmp_path):
    _ncr(tmp_path, timezone.localdate() - timedelta(days=1))
    forsta = api.get(URL, {"kva": "CJE"})
    Vardenhet.objects.filter(hsa_id=UPPSALA).update(namn="Ögonkliniken Uppsala (nytt namn)")  # a catalogue import
    andra = api.get(URL, {"kva": "CJE"}, HTTP_IF_NONE_MATCH=forsta["ETag"])
    assert andra.status_code == 200 and andra["ETag"] != forsta["ETag"]
    assert next(r for r in andra.json()["resultat"] if r["hsa_id"] == UPPSALA)["namn"].endswith("(nytt namn)")
    _ncr(tmp_path, timezone.localdate(), "ncr2.csv")
    tredje = api.get(URL, {"kva": "CJE"})
    assert tredje["ETag"] != andra["ETag"]
    assert {r["uttagsdatum"] for r in tredje.json()["resultat"]} == {str(timezone.localdate())}


def test_the_staleness_flags_are_not_kept_past_their_day(api, tmp_path, monkeypatch):
    """A delivery 3 days old is current; the next day it is stale: the ETag changes with the day, so a client
    revalidating is told, and the kept answer is not served."""
    idag = timezone.localdate()
    _ncr(tmp_path, idag - timedelta(days=3))
    forsta = api.get(URL, {"kva": "CJE"})
    assert forsta.json()["kallor"][0]["inaktuell"] is False
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: idag + timedelta(days=1))
    for rubriker in ({"HTTP_IF_NONE_MATCH": forsta["ETag"]}, {"HTTP_IF_MODIFIED_SINCE": forsta["Last-Modified"]}, {}):
        nasta = api.get(URL, {"kva": "CJE"}, **rubriker)
        assert nasta.status_code == 200, rubriker
        assert nasta.json()["kallor"][0]["inaktuell"] is True and all(r["inaktuell"] for r in nasta.json()["resultat"])
