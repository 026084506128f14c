"""Issue #19 point 1 "through the API": the owning region's system reports volume used outside the portal on an
agreement line; the same checks and service as the form, the figure counts as used, other systems are refused."""

import json

import pytest
from django.core.cache import cache

from api.models import ApiToken
from avtal.models import Avtalsrad, RapporteradVolym
from avtal.uppladdning import importera_direkt
from tests.avtal.conftest import IDAG, csv_bytes, katalog, rad

pytestmark = pytest.mark.django_db
__all__ = ["katalog"]  # the fixture, imported
URL = "/api/v1/avtal/volym"
MANAD = IDAG.isoformat()[:7]


@pytest.fixture
def linje(katalog):
    u = importera_direkt(filnamn="a.csv", innehall=csv_bytes([rad(takvolym="5")]))  # owner 20, CJE, cap 5
    assert u.status == "tillampad", u.fel
    return Avtalsrad.objects.get()


def posta(client, region: str | None, **over):
    cache.clear()
    _rad, token = ApiToken.skapa(system="Region Dalarnas kösystem", region=region)
    body = {"avtal_id": "RD 2026/1", "avtalsagare_region_kod": "20", "kva_grupp": "cje", "region_kod": "22",
            "manad": MANAD, "antal": 3, "kommentar": "Egna köpatienter", **over}  # fmt: skip
    return client.post(URL, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_owning_regions_system_reports_volume_and_a_new_figure_replaces_the_month(client, linje):
    svar = posta(client, "20")
    assert svar.status_code == 201, svar.content
    assert svar.json() | {} == {
        "avtal_id": "RD 2026/1", "avtalsagare": "20", "kva_grupp": "CJE", "region_kod": "22", "manad": MANAD,
        "antal": 3, "ny": True, "takvolym": 5, "forbrukat": 3, "reserverat": 0, "kvar": 2,
    }  # fmt: skip
    svar = posta(client, "20", antal=4)
    assert svar.status_code == 200 and svar.json()["kvar"] == 1
    v = RapporteradVolym.objects.get()
    assert (v.antal, v.via, v.uppdrag, v.region_id) == (4, "api", "Region Dalarnas kösystem", "22")


def test_other_systems_and_bad_values_are_refused_in_swedish_and_nothing_is_written(client, linje):
    for region, over, status, text in [
        (None, {}, 403, "bara avtalsägarens system"),
        ("22", {}, 403, "bara avtalsägarens system"),
        ("20", {"kva_grupp": "NGB"}, 404, "har ingen rad för KVÅ-grupp NGB"),
        ("20", {"region_kod": "99"}, 422, "region_kod: ”99” är ingen regionkod"),
        ("20", {"manad": "2001-01"}, 422, "manad: ”2001-01” är ingen månad"),
        ("20", {"antal": -1}, 422, "antal: ska vara ett heltal mellan 0 och 100000"),
        ("20", {"kommentar": "a\x00b"}, 422, "kommentar:"),
    ]:
        svar = posta(client, region, **over)
        assert svar.status_code == status and text in svar.json()["detail"], (over, svar.content)
    assert not RapporteradVolym.objects.exists()
    cache.clear()
    svar = client.post(URL, "{}", content_type="application/json")
    assert svar.status_code == 401
