"""An authorised attack on the API's one write (POST /api/v1/avtal/volym, issue #19 point 1): a staff member's
session instead of a token (a cross-site POST would carry it), the token outside the Authorization header and a
revoked token (another region's token is tests/api/test_api_volym.py). SECURITY.md lists them."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from api.models import ApiToken
from avtal.models import Avtalsrad, RapporteradVolym
from avtal.uppladdning import importera_direkt
from tests.avtal.conftest import IDAG, csv_bytes, katalog, rad
from tests.factories import make_user
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db
__all__ = ["katalog"]  # the fixture, imported
URL = "/api/v1/avtal/volym"
KROPP = {"avtal_id": "RD 2026/1", "avtalsagare_region_kod": "20", "kva_grupp": "CJE", "region_kod": "22",
         "manad": IDAG.isoformat()[:7], "antal": 3}  # fmt: skip


@pytest.fixture
def linje(katalog):
    cache.clear()
    u = importera_direkt(filnamn="a.csv", innehall=csv_bytes([rad(takvolym="5")]))  # owner 20, CJE, cap 5
    assert u.status == "tillampad", u.fel
    return Avtalsrad.objects.get()


def test_a_staff_session_is_no_api_credential(linje):
    """The coordinator of the owning region, signed in: with and without the CSRF token, never a write."""
    c = Client(enforce_csrf_checks=True)
    c.force_login(make_user(Roll.KOORDINATOR, "20"), backend="vardformedling.auth.SithsStubBackend")
    c.get("/", secure=True)
    token = c.cookies["csrftoken"].value if "csrftoken" in c.cookies else ""
    for headers in ({}, {"HTTP_X_CSRFTOKEN": token, "HTTP_REFERER": "https://testserver/"}):
        svar = c.post(URL, json.dumps(KROPP), content_type="application/json", secure=True, **headers)
        assert svar.status_code == 401, svar.content
    assert not RapporteradVolym.objects.exists()


def test_the_token_counts_only_in_the_authorization_header_and_only_until_revoked(linje, client):
    rad_, token = ApiToken.skapa(system="Region Uppsalas kösystem", region="20")
    for kwargs in (
        {"path": f"{URL}?token={token}"},
        {"path": f"{URL}?access_token={token}"},
        {"path": URL, "HTTP_X_API_TOKEN": token},
        {"path": URL, "HTTP_AUTHORIZATION": f"Token {token}"},
        {"path": URL, "HTTP_AUTHORIZATION": f"Bearer {token}x"},
    ):
        assert client.post(data=json.dumps(KROPP), content_type="application/json", **kwargs).status_code == 401
    rad_.aterkalla()
    svar = client.post(URL, json.dumps(KROPP), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert svar.status_code == 401
    assert not RapporteradVolym.objects.exists()
