"""/api/v1/: token auth and revocation, rate limit, pagination, ETag/304, CSV, a valid OpenAPI document whose every
endpoint answers as documented, and the same figures as the lägesbild page."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openapi_spec_validator import validate

from api import v1
from api.models import ApiToken
from lagesbild.importers import importera_fil
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, VT_HEADER, ncr_rows, spor_rows, write
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db

BAS = "/api/v1"


@pytest.fixture
def token():
    cache.clear()
    _rad, token = ApiToken.skapa(system="Testsystem")
    return token


@pytest.fixture
def api(client, token):
    """A client sending the token."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def register(tmp_path):
    idag = timezone.localdate()
    datum = str(idag - timedelta(days=1))
    importera_fil(write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows(datum)), startad_av="test")
    importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, spor_rows(datum)), startad_av="test")
    manad = (idag.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    vt = [f"{manad};00;atgard;Alla;200231;95000;60000;61000", f"{manad};20;atgard;Alla;<5;<5;30;31"]
    importera_fil(write(tmp_path, f"vantetider_{manad.replace('-', '')}.csv", VT_HEADER, vt), startad_av="test")
    return datum


def test_the_url_is_reversible():
    assert reverse("api_v1:vantetider") == f"{BAS}/vantetider"


# --- Authentication ---------------------------------------------------------------------------------------------


def test_without_a_valid_token_the_answer_is_401_in_swedish(client, client_for, token):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer fel"}, {"HTTP_AUTHORIZATION": f"Token {token}"}):
        svar = client.get(f"{BAS}/regioner", **headers)
        assert svar.status_code == 401
        assert "Ogiltig eller återkallad API-token" in svar.json()["detail"]
        assert svar["WWW-Authenticate"].startswith("Bearer")
    # A signed-in user's session is no API access, whatever the role.
    for roll in (Roll.VARDLOTS, Roll.KOORDINATOR, Roll.ADMINISTRATOR, Roll.MOTTAGARE):
        assert client_for(roll, "20" if roll != Roll.ADMINISTRATOR else None).get(f"{BAS}/regioner").status_code == 401
    # The token never works from the query string.
    assert client.get(f"{BAS}/regioner", {"token": token}).status_code == 401


def test_a_token_is_stored_hashed_records_its_last_use_and_can_be_revoked(api, token):
    rad = ApiToken.objects.get()
    assert token not in (rad.sha256, rad.prefix) and rad.prefix == token[:8] and len(rad.sha256) == 64
    assert rad.senast_anvand is None
    assert api.get(f"{BAS}/regioner").status_code == 200
    rad.refresh_from_db()
    assert rad.senast_anvand is not None
    rad.aterkalla()
    assert api.get(f"{BAS}/regioner").status_code == 401


def test_management_command_creates_lists_and_revokes(capsys):
    call_command("api_token", "skapa", "Region Dalarnas ärendesystem")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("vf_")
    call_command("api_token", "lista")
    assert "Region Dalarnas ärendesystem" in capsys.readouterr().out
    call_command("api_token", "aterkalla", token[:8])
    assert ApiToken.objects.get().aterkallad is not None


def test_rate_limit_per_token(api, settings, client):
    settings.API_ANROP_PER_MINUT = 3
    assert [api.get(f"{BAS}/regioner").status_code for _ in range(3)] == [200, 200, 200]
    svar = api.get(f"{BAS}/regioner")
    assert svar.status_code == 429
    assert 1 <= int(svar["Retry-After"]) <= 60 and "För många anrop" in svar.json()["detail"]
    # Another system's token has its own count.
    _rad, annan = ApiToken.skapa(system="Annat system")
    assert client.get(f"{BAS}/regioner", HTTP_AUTHORIZATION=f"Bearer {annan}").status_code == 200


# --- Lists: pagination, CSV, ETag ------------------------------------------------------------------------------


def test_pagination(api):
    forsta = api.get(f"{BAS}/kva-grupper", {"per_sida": 10}).json()
    assert forsta["sida"] == 1 and forsta["per_sida"] == 10 and len(forsta["resultat"]) == 10
    assert forsta["antal"] >= 90 and forsta["sidor"] == -(-forsta["antal"] // 10)
    assert forsta["foregaende"] is None and "sida=2" in forsta["nasta"]
    andra = api.get(forsta["nasta"]).json()
    assert andra["sida"] == 2 and {r["kod"] for r in andra["resultat"]}.isdisjoint(r["kod"] for r in forsta["resultat"])
    sista = api.get(f"{BAS}/kva-grupper", {"per_sida": 10, "sida": forsta["sidor"]}).json()
    assert sista["nasta"] is None and sista["foregaende"]
    for fel in ({"per_sida": 5001}, {"sida": "0"}, {"sida": "abc"}):
        svar = api.get(f"{BAS}/kva-grupper", fel)
        assert svar.status_code == 422 and "sida" in svar.json()["detail"], fel


def test_csv_for_a_list(api):
    fraga = api.get(f"{BAS}/kva-grupper", {"format": "csv"})
    for svar in (fraga, api.get(f"{BAS}/kva-grupper", HTTP_ACCEPT="text/csv")):
        assert svar.status_code == 200 and svar["Content-Type"].startswith("text/csv")
        assert svar["Content-Disposition"] == 'attachment; filename="kva_grupper.csv"'
        rader = list(csv.reader(io.StringIO(svar.content.decode("utf-8-sig")), delimiter=";"))
        assert rader[0] == list(v1.KvaGrupp.model_fields)
        assert len(rader) - 1 == api.get(f"{BAS}/kva-grupper").json()["antal"]  # all rows, not one page
        cje = next(r for r in rader if r[0] == "CJE")
        assert cje[1] == "Extrakapsulära kataraktoperationer med fakoemulsifikation" and "grå starr" in cje[4]


def test_etag_and_last_modified_give_304(api, register, django_assert_max_num_queries, tmp_path):
    svar = api.get(f"{BAS}/vantetider", {"kva": "CJE"})
    assert svar.status_code == 200
    etag, senast = svar["ETag"], svar["Last-Modified"]
    with django_assert_max_num_queries(2):  # the token; the deliveries are cached; no rows read
        inte = api.get(f"{BAS}/vantetider", {"kva": "CJE"}, HTTP_IF_NONE_MATCH=etag)
    assert inte.status_code == 304 and inte["ETag"] == etag and not inte.content
    assert api.get(f"{BAS}/vantetider", {"kva": "CJE"}, HTTP_IF_MODIFIED_SINCE=senast).status_code == 304
    # Another query, or the CSV of the same, is another representation.
    assert api.get(f"{BAS}/vantetider", {"kva": "NGB"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert api.get(f"{BAS}/vantetider", {"kva": "CJE", "format": "csv"}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    # A new delivery changes the version.
    importera_fil(write(tmp_path, "ncr2.csv", NCR_HEADER, ncr_rows(str(timezone.localdate()))), startad_av="test")
    ny = api.get(f"{BAS}/vantetider", {"kva": "CJE"}, HTTP_IF_NONE_MATCH=etag)
    assert ny.status_code == 200 and ny["ETag"] != etag
    # Content-based validators for the catalogue lists.
    kva = api.get(f"{BAS}/kva-grupper")
    assert api.get(f"{BAS}/kva-grupper", HTTP_IF_NONE_MATCH=kva["ETag"]).status_code == 304


# --- The document and every endpoint ---------------------------------------------------------------------------


def test_openapi_document_is_valid_and_docs_are_browsable(client):
    dokument = client.get(f"{BAS}/openapi.json").json()
    validate(dokument)
    assert dokument["openapi"].startswith("3.")
    assert {"/api/v1/kva-grupper", "/api/v1/regioner", "/api/v1/enheter", "/api/v1/vantetider"} <= set(
        dokument["paths"]
    )
    assert "bearer" in str(dokument["components"]["securitySchemes"]).lower()
    docs = client.get(f"{BAS}/docs")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content and b"cdn" not in docs.content.lower()


SCHEMAN = {
    "/api/v1/kva-grupper": v1.KvaGrupp,
    "/api/v1/regioner": v1.Region,
    "/api/v1/enheter": v1.Vardenhet,
    "/api/v1/vantetider": v1.Vantetid,
    "/api/v1/vantetidsdatabasen": v1.VantetidManad,
    "/api/v1/avtal": v1.Avtal,
    "/api/v1/prognoser": v1.Prognos,
}
EXEMPEL = {"/api/v1/vantetider": {"kva": "CJE"}}
SKRIVNING = {"/api/v1/avtal/volym": "post"}  # the one write: reported volume (tests/api/test_api_volym.py)


def test_every_documented_endpoint_answers_as_documented(api, register, client):
    dokument = client.get(f"{BAS}/openapi.json").json()
    assert set(dokument["paths"]) == set(SCHEMAN) | set(SKRIVNING)
    for vag, operationer in dokument["paths"].items():
        if vag in SKRIVNING:
            assert set(operationer) == {SKRIVNING[vag]} and api.get(vag).status_code == 405, vag
            continue
        assert set(operationer) == {"get"}, vag
        assert {"200", "304", "401", "422", "429"} <= set(operationer["get"]["responses"]), vag
        svar = api.get(vag, EXEMPEL.get(vag, {}))
        assert svar.status_code == 200, (vag, svar.content[:300])
        sida = v1.Sida[SCHEMAN[vag]].model_validate(svar.json())
        assert sida.antal == len(sida.resultat) or sida.antal > sida.per_sida, vag
        assert api.post(vag).status_code == 405, vag


def test_waiting_times_with_source_date_and_staleness(api, register):
    data = api.get(f"{BAS}/vantetider", {"kva": "cje"}).json()
    riket, *enheter = data["resultat"]
    assert riket["niva"] == "riket" and riket["median_dagar"] == 78
    uppsala = next(r for r in enheter if r["hsa_id"] == "SE5560000001-OGON02")
    assert (uppsala["median_dagar"], uppsala["kalla"], uppsala["uttagsdatum"]) == (34, "NCR", register)
    assert uppsala["inaktuell"] is False
    assert [k["kalla"] for k in data["kallor"]] == ["NCR"]
    narkos = api.get(f"{BAS}/vantetider", {"kva": "CJE", "urval": "narkos"}).json()["resultat"]
    assert any(r["farre_an_5"] and r["median_dagar"] is None for r in narkos)
    regioner = api.get(f"{BAS}/vantetider", {"kva": "CJE", "niva": "region"}).json()["resultat"]
    assert {r["niva"] for r in regioner} == {"riket", "region"}
    assert api.get(f"{BAS}/vantetider", {"kva": "CJE", "region": "3"}).json()["antal"] == 2  # riket + Uppsala
    for fel, text in (
        ({"kva": "QQQ"}, "KVÅ-gruppen QQQ finns inte"),
        ({"kva": "CJE", "period": "7d"}, "Perioden 7d finns inte"),
        ({"kva": "CJE", "region": "99"}, "Regionen 99 finns inte"),
    ):
        svar = api.get(f"{BAS}/vantetider", fel)
        assert svar.status_code == 422 and text in svar.json()["detail"], svar.content
    saknas = api.get(f"{BAS}/vantetider")  # kva is required
    assert saknas.status_code == 422 and saknas.json()["detail"].startswith("Ogiltiga parametrar – kva: saknas")


def test_stale_source_is_flagged(api, tmp_path):
    gammal = str(timezone.localdate() - timedelta(days=10))
    importera_fil(write(tmp_path, "ncr.csv", NCR_HEADER, ncr_rows(gammal)), startad_av="test")
    data = api.get(f"{BAS}/vantetider", {"kva": "CJE"}).json()
    assert data["kallor"][0]["inaktuell"] is True and "kan vara inaktuella" in data["kallor"][0]["text"]
    assert all(r["inaktuell"] for r in data["resultat"])


def test_vantetidsdatabasen_and_catalogue(api, register):
    riket = api.get(f"{BAS}/vantetidsdatabasen").json()["resultat"]
    assert riket[-1]["antal_vantande"] == 200231 and riket[-1]["region_kod"] == "00"
    dalarna = api.get(f"{BAS}/vantetidsdatabasen", {"region": "20"}).json()["resultat"]
    assert dalarna[-1]["antal_vantande"] is None and dalarna[-1]["antal_genomforda"] == 31  # "<5" is null
    enheter = api.get(f"{BAS}/enheter", {"region": "20"}).json()["resultat"]
    assert all(e["region_kod"] == "20" for e in enheter)
    assert {"personnummer", "epost", "telefon"}.isdisjoint(v1.Vardenhet.model_fields)
    grupper = api.get(f"{BAS}/kva-grupper", {"q": "grå starr"}).json()["resultat"]
    assert [g["kod"] for g in grupper] == ["CJE"]
    assert api.get(f"{BAS}/regioner").json()["antal"] == 21


def test_agreements_never_show_prices():
    assert not any("pris" in f or "ersattning" in f or "volym" in f for f in v1.Avtal.model_fields)


# --- One source of truth ---------------------------------------------------------------------------------------


def test_same_figures_on_the_page_and_in_the_api(api, register, client_for):
    sida = client_for(Roll.VARDLOTS, "20").get("/lagesbild/", {"kva": "NGB", "period": "90"})
    pa_sidan = {r.hsa_id: (r.median, r.p90, r.antal, r.kalla) for r in sida.context["sida"].object_list}
    i_api = {
        r["hsa_id"]: (r["median_dagar"], r["p90_dagar"], r["antal"], r["kalla"])
        for r in api.get(f"{BAS}/vantetider", {"kva": "NGB"}).json()["resultat"]
        if r["niva"] == "enhet"
    }
    assert pa_sidan and pa_sidan == i_api
    assert (
        sida.context["riket"][0].median
        == api.get(f"{BAS}/vantetider", {"kva": "NGB"}).json()["resultat"][0]["median_dagar"]
    )


def test_load_demo_prints_a_working_token_and_revokes_the_previous_one(client):
    from api import demo

    ut = io.StringIO()
    demo.load(stdout=ut)
    demo.load(stdout=ut)
    forsta, _, andra, _ = re.findall(r"vf_[\w-]+", ut.getvalue())  # each token is printed twice (text, curl)
    cache.clear()
    assert client.get(f"{BAS}/regioner", HTTP_AUTHORIZATION=f"Bearer {andra}").status_code == 200
    assert client.get(f"{BAS}/regioner", HTTP_AUTHORIZATION=f"Bearer {forsta}").status_code == 401


def test_forecasts_in_the_api_are_the_stored_ones(api):
    from katalog.models import Vardenhet
    from lagesbild.models import Prognos

    enhet = Vardenhet.objects.create(hsa_id="SE-TEST-1", namn="Testenheten", region_id="20")
    punkter = [{"manad": "2026-12", "median": 120, "lag": 100, "hog": 140}]
    gemensamt = {"vardenhet": enhet, "kalla": "SPOR", "grundmanad": "2026-11"}
    Prognos.objects.create(
        **gemensamt, kva_id="NGB", metod="holt", visas=True, skal="Holt.", mae={"naiv": 9.0}, punkter=punkter
    )
    Prognos.objects.create(**gemensamt, kva_id="NFB", metod="naiv", visas=False, skal="Ingen.", mae={}, punkter=[])
    alla = api.get(f"{BAS}/prognoser").json()["resultat"]
    assert [(p["kva"], p["visas"], p["manader"]) for p in alla] == [("NFB", False, []), ("NGB", True, punkter)]
    assert [p["kva"] for p in api.get(f"{BAS}/prognoser", {"visas": "true"}).json()["resultat"]] == ["NGB"]
    assert api.get(f"{BAS}/prognoser", {"kva": "NGB", "format": "csv"}).content.decode("utf-8-sig").count("\n") == 2
