"""The follow-up figures' cache key: the cases' version (arenden.api.version), not a query over every case.

The version changes on every kind of case write (service saves, queryset updates such as crypto-shredding, bulk
creates as seed_scale's, deletes) and on a waiting-list import, so each shows on the page at once; a cached view
reads no case row at all."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from arenden import api as arenden_api
from arenden.models import Arende, Status
from arenden.services import identitet
from tests.arenden.test_vantelista_import import RADER, fil
from tests.factories import VardenhetFactory
from tests.uppfoljning.test_sida import URL, _varden
from uppfoljning import statistik
from vardformedling.models import Region, Roll


def _kopia(a: Arende, nr: int) -> Arende:
    kopia = Arende.objects.get(pk=a.pk)
    kopia.pk, kopia.case_id = None, f"VF-2026-06-8{nr:05d}-0"
    return kopia


def test_a_cached_view_reads_no_case_row(kanda, client_for):
    c = client_for(Roll.KOORDINATOR, "06")
    c.get(URL)
    with CaptureQueriesContext(connection) as andra:
        resp = c.get(URL)
    assert _varden(resp)["Registrerade ärenden"] == "47"
    assert not [q["sql"] for q in andra if "arenden_" in q["sql"]]  # was: max(andrad) and count over all cases


def test_a_cached_view_renders_no_table_or_provider_option_again(kanda, client_for):
    """The tables and the provider options are rendered when the figures are computed and kept with them."""
    c = client_for(Roll.KOORDINATOR, "06")
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "uppfoljning-resultat"}
    forsta, andra = c.get(URL, **htmx), c.get(URL, **htmx)
    assert {"uppfoljning/_tabeller.html", "uppfoljning/_vardgivare.html"} <= {t.name for t in forsta.templates}
    assert not {t.name for t in andra.templates} & {"uppfoljning/_tabeller.html", "uppfoljning/_vardgivare.html"}
    assert andra.content == forsta.content and b"Acceptansgrad" in andra.content
    vg = Arende.objects.select_related("mottagande_enhet").get(pk=kanda.pilot[0].pk).mottagande_enhet.vardgivare_id
    assert f'<option value="{vg}" selected>' in c.get(URL, {"vardgivare": vg}).content.decode()


def test_a_queryset_update_shows_at_once(kanda, client_for):
    """A queryset update does not touch `andrad` (auto_now): the old fingerprint missed it."""
    c = client_for(Roll.KOORDINATOR, "06")
    assert _varden(c.get(URL))["Avslutade i förtid"] == "4"
    Arende.objects.filter(pk=kanda.behov[0].pk).update(status=Status.AVSLUTAD_TIDIGT)
    assert _varden(c.get(URL))["Avslutade i förtid"] == "5"


def test_bulk_created_and_deleted_cases_show_at_once(kanda, client_for):
    c = client_for(Roll.KOORDINATOR, "06")
    assert _varden(c.get(URL))["Registrerade ärenden"] == "47"
    (ny,) = Arende.objects.bulk_create([_kopia(kanda.behov[0], 1)])  # as seed_scale writes cases
    assert _varden(c.get(URL))["Registrerade ärenden"] == "48"
    ny.delete()
    assert _varden(c.get(URL))["Registrerade ärenden"] == "47"
    Arende.objects.bulk_create([_kopia(kanda.behov[0], 2), _kopia(kanda.behov[0], 3)])
    assert _varden(c.get(URL))["Registrerade ärenden"] == "49"
    Arende.objects.filter(case_id__startswith="VF-2026-06-8").delete()
    assert _varden(c.get(URL))["Registrerade ärenden"] == "47"


def test_crypto_shredding_changes_the_version(kanda):
    fore = arenden_api.version()
    identitet.gallra(kanda.pilot[0])
    assert arenden_api.version() not in (None, fore)


def test_a_waiting_list_import_shows_at_once(client_for, settings):
    from arenden.vantelista import services

    VardenhetFactory(hsa_id="SE2321000180-FALU01", namn="Falu lasarett", region_id="20")
    c = client_for(Roll.KOORDINATOR, "20")
    resp = c.get(URL)
    assert "Proaktivt just nu: 0 patienter på regionens väntelistor" in resp.content.decode()
    services.importera(region=Region.objects.get(kod="20"), data=fil(*RADER), idag=timezone.localdate())
    resp = c.get(URL)
    assert "Proaktivt just nu: 4 patienter på regionens väntelistor" in resp.content.decode()


def test_figures_read_from_a_replica_are_kept_apart_and_briefly(monkeypatch, settings):
    """A replica may not yet hold the write that changed the version: its figures are keyed apart from the
    primary's (the writer reads the primary) and kept only as long as the replica may lag."""
    satta: list[tuple[str, float]] = []
    monkeypatch.setattr("django.core.cache.cache.get", lambda nyckel: None)
    monkeypatch.setattr("django.core.cache.cache.set", lambda nyckel, v, tid: satta.append((nyckel, tid)))
    for alias in ("default", "replica"):
        monkeypatch.setattr(statistik, "_fingeravtryck", lambda alias=alias: ("v1", alias))
        statistik._cachad(("urval",), lambda: {"tabeller": {}})
    (primar, primar_tid), (replika, replika_tid) = satta
    assert primar != replika
    assert primar_tid == statistik.CACHE_SEKUNDER
    assert replika_tid == int(settings.DATABASE_REPLICA_MAX_LAG + settings.DATABASE_REPLICA_KONTROLL)


def test_without_a_cache_the_figures_are_computed_and_nothing_is_kept(monkeypatch):
    monkeypatch.setattr(statistik, "_fingeravtryck", lambda: None)
    monkeypatch.setattr("django.core.cache.cache.get", pytest.fail)
    assert statistik._cachad(("urval",), lambda: {"x": timedelta(days=1)}) == {"x": timedelta(days=1)}


def test_the_provider_options_are_the_providers_that_received_cases(kanda):
    """The filter's options, read through the units (EXISTS per unit), are those of a DISTINCT over the cases."""
    VardenhetFactory(region_id="06")  # a unit (and provider) without cases is no option
    val = statistik.vardgivare_val()
    distinct = list(
        arenden_api.Arende.objects.filter(mottagande_enhet__vardgivare__isnull=False)
        .values_list("mottagande_enhet__vardgivare_id", "mottagande_enhet__vardgivare__namn")
        .distinct()
        .order_by("mottagande_enhet__vardgivare__namn", "mottagande_enhet__vardgivare_id")
    )
    assert val == distinct and len(val) >= 1
