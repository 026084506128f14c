"""A third authorised attack (signed in as one role of one region, production-like headers over HTTPS): the holes it
found, each test failing before its fix. SECURITY.md, "Attacks on the worklist, the bulk offers and the waiting
list", lists them with what else was tried."""

import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from arenden.models import Arende, Atkomstlogg, Erbjudande
from arenden.services.erbjudanden_flera import ENHET_ELLER_RAD_SAKNAS
from arenden.views.lista import PNR_I_ADRESSEN, PNR_OGILTIGT
from tests.factories import make_user
from vardformedling.models import Roll
from vardformedling.personnummer import make_test_number

pytestmark = pytest.mark.django_db

PNR = make_test_number(1958, 3, 21, 417)
NAMN = "Adressfri Alfhild"


def pnr_former(nummer: str) -> list[str]:
    return [nummer, f"{nummer[:8]}-{nummer[8:]}", nummer[2:], f"{nummer[2:8]}-{nummer[8:]}"]


def _klient(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


def _lankar(html: str) -> list[str]:
    """Every URL the page links, loads or pushes (href, action, hx-get/post/push-url)."""
    return re.findall(r'\s(?:href|action|hx-get|hx-post|hx-push-url)="([^"]*)"', html)


@pytest.fixture
def hemligt(registrera):
    return registrera(personnummer=PNR, namn=NAMN)


# --- Finding 1: the worklist's personnummer search put the number in the URL --------------------------------------


def test_a_personnummer_in_the_worklist_url_is_neither_searched_nor_repeated(hemligt, lots):
    """Attack: GET /arenden/?q=<personnummer> found the patient's case: the number stood in the address bar, the
    htmx-pushed history, every pagination, sort and export link of the page and the commission switch's `next`, the
    next page's Referer and the access log gunicorn writes to stdout (its request line carries the query string)."""
    klient = _klient(lots)
    for form in pnr_former(PNR):
        for htmx in (False, True):
            extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
            rader = Atkomstlogg.objects.filter(case_id=hemligt.case_id).count()
            svar = klient.get("/arenden/", {"flik": "region", "q": form, "sort": "arende"}, secure=True, **extra)
            assert svar.status_code == 302, form
            assert svar["Location"] == "/arenden/?flik=region&sort=arende"
            assert Atkomstlogg.objects.filter(case_id=hemligt.case_id).count() == rader  # nothing was searched
            sida = klient.get(svar["Location"], secure=True, **extra).content.decode()
            assert PNR_I_ADRESSEN in sida, form
            assert not any(f in sida for f in pnr_former(PNR)), form
        export = klient.get("/arenden/", {"q": form, "export": "csv"}, secure=True)
        assert export.status_code == 302 and not any(f in export["Location"] for f in pnr_former(PNR))


def test_the_personnummer_search_is_a_post_and_no_link_of_its_answer_carries_the_number(hemligt, lots):
    klient = _klient(lots)
    sida = klient.get("/arenden/", secure=True).content.decode()
    formular = re.search(r'<form[^>]*method="post"[^>]*aria-label="Sök på personnummer".*?</form>', sida, re.S)
    assert formular and 'name="personnummer"' in formular.group() and "csrfmiddlewaretoken" in formular.group()
    assert "hx-push-url" not in formular.group()
    for htmx in (False, True):
        extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        svar = klient.post("/arenden/", {"personnummer": f"{PNR[:8]}-{PNR[8:]}"}, secure=True, **extra)
        html = svar.content.decode()
        assert svar.status_code == 200
        assert hemligt.case_id in html
        assert not any(f in html for f in pnr_former(PNR))  # the answer does not repeat the number it was given
        assert not any(f in u for u in _lankar(html) for f in pnr_former(PNR))
        assert "no-store" in svar["Cache-Control"]
    assert Atkomstlogg.objects.filter(case_id=hemligt.case_id, hsa_id=lots.hsa_id, handling="arbetslista").exists()


def test_an_invalid_personnummer_post_is_422_with_the_list_and_other_regions_and_units_find_nothing(
    hemligt, lots, mottagare
):
    svar = _klient(lots).post("/arenden/?flik=region", {"personnummer": "19580321-0000"}, secure=True)
    assert svar.status_code == 422 and PNR_OGILTIGT in svar.content.decode()
    assert hemligt.case_id in svar.content.decode()  # the list as the query shows it, with the message
    annan = make_user(Roll.VARDLOTS, "06", hsa_id="SE2321000057-VL19")
    for user in (annan, mottagare):
        svar = _klient(user).post("/arenden/", {"personnummer": PNR}, secure=True)
        assert svar.status_code == 200
        assert hemligt.case_id not in svar.content.decode() and NAMN not in svar.content.decode()
    assert (
        _klient(lots).post("/arenden/", {"personnummer": PNR}, secure=True, HTTP_HX_REQUEST="true").status_code == 200
    )


def test_the_personnummer_search_needs_the_csrf_token(hemligt, lots):
    klient = Client(enforce_csrf_checks=True)
    klient.force_login(lots, backend="vardformedling.auth.SithsStubBackend")
    svar = klient.post("/arenden/", {"personnummer": PNR}, secure=True, HTTP_REFERER="https://testserver/")
    assert svar.status_code == 403 and hemligt.case_id not in svar.content.decode()


def test_a_personnummer_typed_into_the_log_review_is_not_repeated_in_its_page_or_links(hemligt, lots):
    from arenden.views.lista import LOGG_PNR

    koordinator = make_user(Roll.KOORDINATOR, "20", hsa_id="SE2321000180-KO19")
    klient = _klient(koordinator)
    for form in pnr_former(PNR):
        svar = klient.get("/arenden/logg/", {"q": form, "fran": "2026-01-01"}, secure=True)
        assert svar.status_code == 302 and svar["Location"] == "/arenden/logg/?fran=2026-01-01", form
        html = klient.get(svar["Location"], secure=True).content.decode()
        assert LOGG_PNR in html
        assert not any(f in html for f in pnr_former(PNR)), form
    assert not any(f in r.sokterm for r in Atkomstlogg.objects.all() for f in pnr_former(PNR))
    # A case ID or an HSA-id is searched as before.
    svar = klient.get("/arenden/logg/", {"q": lots.hsa_id}, secure=True)
    assert svar.status_code == 200 and LOGG_PNR not in svar.content.decode()


# --- Finding 2: the bulk offers' "Skicka erbjudanden" answered 500 --------------------------------------------------


@pytest.fixture
def steg2(arende_i_steg):
    return [arende_i_steg("hitta_vardgivare") for _ in range(2)]


def test_bulk_offers_with_odd_digits_or_a_unit_that_is_gone_answer_in_swedish_and_say_which_row(
    steg2, lots, mottagande_enhet, avtalsrad
):
    """Attack: `val_²=…` and `val_<pk>=²::` passed isdigit() and reached int() (500); a unit or agreement line id
    that no longer exists (or never did) was a KeyError (500) after the rows before it had been sent."""
    klient = _klient(lots)
    url = reverse("katalog:fordelning_skicka")
    a1, a2 = steg2
    forvantat = (date.today() + timedelta(days=5)).isoformat()
    for data in ({"val_²": f"{mottagande_enhet.pk}::"}, {f"val_{a1.pk}": f"²::{forvantat}"},
                 {f"val_{a1.pk}": f"{mottagande_enhet.pk}:²:"}, {f"val_{a1.pk}": f"{'9' * 5000}::"}):  # fmt: skip
        svar = klient.post(url, {"kva": "CJE", **data}, secure=True)
        assert svar.status_code == 422, data
        assert "Föreslå fördelningen igen" in svar.content.decode()
    assert not Erbjudande.objects.exists()
    gott = f"{mottagande_enhet.pk}::{forvantat}"
    for borta in (f"{10**9}::{forvantat}", f"{mottagande_enhet.pk}:{10**9}:{forvantat}"):
        Erbjudande.objects.all().delete()
        svar = klient.post(url, {"kva": "CJE", f"val_{a1.pk}": gott, f"val_{a2.pk}": borta}, secure=True)
        html = svar.content.decode()
        assert svar.status_code == 409, borta
        assert ENHET_ELLER_RAD_SAKNAS in html and a2.case_id in html
        assert Erbjudande.objects.filter(arende=a1).count() == 1 and not Erbjudande.objects.filter(arende=a2).exists()


# --- Finding 3: the waiting list's "Skapa ärenden" answered 500 -----------------------------------------------------


def test_creating_cases_from_the_waiting_list_with_odd_digits_is_422_not_500(db):
    koordinator = make_user(Roll.KOORDINATOR, "20", namn="Test Koordinator")
    klient = _klient(koordinator)
    for varde in ("²", "١٢", "9" * 5000):
        svar = klient.post(reverse("arenden:vantelista_arenden"), {"patient": varde}, secure=True)
        assert svar.status_code == 422, varde
        assert "Välj minst en patient" in svar.content.decode()
    assert not Arende.objects.exists()


# --- Finding 4: the patient sign-in stub answered 500 ---------------------------------------------------------------


@pytest.mark.parametrize("nyckel", ["skala-²", "skala-" + "9" * 5000, "skala-١٢"])
def test_the_patient_sign_in_stub_refuses_odd_digits_with_its_message(client, nyckel):
    svar = client.post("/patient/logga-in/", {"patient": nyckel}, secure=True)
    assert svar.status_code == 400
    assert "Välj en av personerna i listan" in svar.content.decode()
    assert "vf_patient" not in client.session


# --- Finding 5: marking one notice read with a malformed id marked every notice read ---------------------------------


@pytest.mark.parametrize("varde", ["²", "", "abc", "9" * 30])
def test_a_malformed_notice_id_marks_no_notice_read(varde):
    from vardformedling import notiser
    from vardformedling.models import Medarbetaruppdrag
    from vardformedling.notisvyer import NOTIS_SAKNAS

    koordinator = make_user(Roll.KOORDINATOR, "20", hsa_id="SE2321000180-KO18")
    for text in ("Avtal RD 1", "Avtal RD 2"):
        notiser.skicka(regioner=["20"], typ="takvolym", rubrik="95 % av takvolymen använd", text=text, lank="/avtal/")
    klient = _klient(koordinator)
    svar = klient.post(reverse("notiser_last"), {"notis": varde}, secure=True, follow=True)
    assert svar.status_code == 200 and NOTIS_SAKNAS in svar.content.decode()
    assert notiser.olasta(koordinator, Medarbetaruppdrag.objects.get(user=koordinator)) == 2
