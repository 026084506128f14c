"""Upload limits: every form with a file field (found by rendering every page an administrator can open) posts
to an endpoint that refuses a file over UPLOAD_MAX_BYTES with a Swedish message and writes nothing."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from avtal.models import Avtal, Leveransplan
from katalog.models import Vardenhet
from lagesbild.models import ImportRun
from tests.security.conftest import A
from tests.security.test_routes import ROUTES, _objects, _url

UPLOADS = ["/avtal/uppladdning/", "/katalog/import/", "/lagesbild/importer/ladda-upp/", "/leveransplaner/uppladdning/"]
LIMIT = 1000


@pytest.fixture
def admin(world):
    client = Client()
    client.force_login(world.users[A], backend="vardformedling.auth.SithsStubBackend")
    return client


def test_every_file_upload_form_posts_to_a_limited_endpoint(admin, world):
    actions = set()
    for route_id, route in ROUTES.items():
        if route.get == 405 or route_id == "logout":
            continue
        for obj in _objects(route.objects, world, A):
            url = _url(route_id, obj)
            html = admin.get(url, secure=True).content.decode("utf-8", errors="replace")
            for form in re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S):
                if 'type="file"' in form:
                    action = re.search(r'<form\b[^>]*action="([^"]+)"', form)
                    actions.add(action.group(1) if action else url)  # no action: posts to the page itself
    assert actions == set(UPLOADS)


@pytest.mark.parametrize("url", UPLOADS)
def test_a_file_over_the_limit_is_refused_in_swedish_and_changes_nothing(admin, world, settings, url):
    settings.UPLOAD_MAX_BYTES = LIMIT
    before = (Avtal.objects.count(), Vardenhet.objects.count(), ImportRun.objects.count(), Leveransplan.objects.count())
    fil = SimpleUploadedFile("ncr_katarakt_20260101.csv", b"a;b\n" + b"1;2\n" * (LIMIT // 4), "text/csv")
    assert fil.size > LIMIT
    response = admin.post(url, {"fil": fil}, secure=True, follow=True)
    assert "för stor" in response.content.decode()
    after = (Avtal.objects.count(), Vardenhet.objects.count(), ImportRun.objects.count(), Leveransplan.objects.count())
    assert after == before
    assert not any(settings.LAGESBILD_INBOX.iterdir())


@pytest.mark.parametrize("url", UPLOADS)
def test_a_file_at_the_limit_is_not_refused_for_its_size(admin, world, settings, url):
    settings.UPLOAD_MAX_BYTES = LIMIT
    fil = SimpleUploadedFile("ncr_katarakt_20260101.csv", b"a;b\n" + b"1;2\n" * (LIMIT // 4 - 1), "text/csv")
    assert fil.size == LIMIT
    response = admin.post(url, {"fil": fil}, secure=True, follow=True)
    assert "för stor" not in response.content.decode()
