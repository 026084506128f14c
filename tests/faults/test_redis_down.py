"""Redis down: pages keep working, the nightly import never half-imports, a lost run is completed by the next one."""

import pytest
import redis

from lagesbild import inkorg
from lagesbild.models import ImportRun, ImportStatus, Leverans, Matvarde
from lagesbild.views_import import FEL_KO_NERE
from tests.faults.registerfiler import spor_file
from vardformedling.models import Roll


@pytest.fixture
def redis_down(settings, dead_redis_url):
    """The cache, broker and result backend all point at a port where nothing listens.

    The Celery app caches its connection pool, producer pool and result backend; they are set aside and put back
    untouched afterwards so later tests (and the real worker tests) get the live Redis again.
    """
    from vardformedling.celery import app

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead_redis_url}
    }
    conf_keys = ("broker_url", "result_backend", "task_always_eager", "broker_connection_retry")
    old_conf = {k: app.conf[k] for k in conf_keys}
    old_transport = app.conf.broker_transport_options
    saved = (app._pool, app.amqp._producer_pool, app._backend_cache, app._local.__dict__.pop("backend", None))
    app.conf.update(broker_url=dead_redis_url, result_backend=dead_redis_url, task_always_eager=False)
    app.conf.update(broker_connection_retry=False, broker_transport_options={"max_retries": 0})
    app._pool, app.amqp._producer_pool, app._backend_cache = None, None, None
    yield dead_redis_url
    app.conf.update(**old_conf, broker_transport_options=old_transport)
    app._pool, app.amqp._producer_pool, app._backend_cache = saved[:3]
    app._local.__dict__.pop("backend", None)
    if saved[3] is not None:
        app._local.backend = saved[3]


@pytest.mark.django_db
def test_health_check_and_pages_keep_working_with_redis_down(redis_down, client_for):
    client = client_for(Roll.VARDLOTS, "20")
    client.raise_request_exception = False
    for url in ("/healthz", "/", "/lagesbild/", "/katalog/sok/?q=CJE", "/arenden/", "/avtal/"):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_starting_the_inbox_import_with_redis_down_gives_a_swedish_message_not_a_500(redis_down, client_for, settings):
    spor_file(settings.LAGESBILD_INBOX / "spor.csv", enheter=2)
    client = client_for(Roll.ADMINISTRATOR)
    client.raise_request_exception = False
    response = client.post("/lagesbild/importer/kor/", follow=True)
    assert response.redirect_chain == [("/lagesbild/importer/", 302)]
    assert response.status_code == 200
    assert f'<p class="message message--error">{FEL_KO_NERE}</p>' in response.content.decode()
    assert (settings.LAGESBILD_INBOX / "spor.csv").exists(), "the file must stay in the inbox for the next run"
    assert not ImportRun.objects.exists(), "nothing was started"


@pytest.mark.django_db
def test_the_import_status_page_with_redis_down_does_not_fail(redis_down, client_for):
    client = client_for(Roll.ADMINISTRATOR)
    client.raise_request_exception = False
    assert client.get("/lagesbild/importer/?uppgift=0b9e6c1c-0000-4000-8000-000000000000").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_worker_losing_redis_mid_run_leaves_whole_files_and_the_next_run_completes(settings):
    """The task's progress report to Redis fails after the first file: the run dies between files, not inside one."""
    first = spor_file(settings.LAGESBILD_INBOX / "1_spor.csv", enheter=3, datum="2026-11-19")
    second = spor_file(settings.LAGESBILD_INBOX / "2_spor.csv", enheter=4, datum="2026-11-20")

    def progress(done, total):
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with pytest.raises(redis.ConnectionError):
        inkorg.importera_inkorg(startad_av="beat", progress=progress)
    # the first file is wholly in, the second wholly untouched and still waiting
    assert Leverans.objects.get().rader == first
    assert Matvarde.objects.count() == first
    assert [p.name for p in inkorg.filer_i_inkorgen()] == ["2_spor.csv"]
    assert not ImportRun.objects.filter(status=ImportStatus.PAGAR).exists()

    results = inkorg.importera_inkorg(startad_av="beat")  # the retry / next night
    assert [r.run.status for r in results] == [ImportStatus.KLAR]
    assert Matvarde.objects.count() == second, "only the newest SPOR delivery keeps its rows"
    assert inkorg.filer_i_inkorgen() == []
