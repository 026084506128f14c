"""The patient's pages in Chromium: axe-core on every page and state, a keyboard-only journey, and the journey of
issue 18 at 390 px – the coordinator has sent two offers, the patient signs in, compares, accepts one, and the
coordinator sees it on the worklist and the case. JavaScript stays on (the pages need none)."""

import pytest
from django.test import Client

from arenden.models import Erbjudande, Status
from tests.a11y.test_axe import _audit
from tests.a11y.test_keyboard import tabba_till
from tests.patient.conftest import bygg_varld

pytestmark = pytest.mark.browser

MOBIL = {"width": 390, "height": 844}


@pytest.fixture
def varld_live(transactional_db):
    return bygg_varld()


@pytest.fixture
def axe_sida(_browser, live_server, settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Injecting axe needs an inline script, which the CSP forbids; the audit context bypasses CSP only here.
    context = _browser.new_context(base_url=live_server.url, bypass_csp=True, viewport=MOBIL)
    sida = context.new_page()
    yield sida
    context.close()


def _personalkontext(browser, bas: str, user):
    """A browser context signed in as `user` through the staff sign-in (the session of a test client)."""
    klient = Client()
    klient.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    context = browser.new_context(base_url=bas, bypass_csp=True)
    context.add_cookies([{"name": "sessionid", "value": klient.cookies["sessionid"].value, "url": bas}])
    return context


def _logga_in(sida, namn: str = "Tolvan Tolvansson") -> None:
    sida.goto("/patient/logga-in/")
    sida.get_by_role("button", name=f"Logga in som {namn}").click()
    sida.wait_for_url("**/patient/")


def test_every_patient_page_passes_axe_in_every_state(axe_sida, varld_live, live_server):
    sida = axe_sida
    fel = _audit(sida, "/patient/logga-in/")
    sida.get_by_role("button", name="Logga in som Tolvan Tolvansson").click()
    sida.wait_for_url("**/patient/")
    fel += _audit(sida)  # the start page with its message
    fel += _audit(sida, f"/patient/arenden/{varld_live.arende.case_id}/")
    sida.get_by_label("Varför säger du nej?").select_option("for_langt_bort")
    fel += _audit(sida, "/patient/kontakta-mig/")
    sida.get_by_role("button", name="Skicka").click()  # nothing chosen: 422 with the messages
    assert sida.get_by_text("Välj vilken vård du väntar på.").is_visible()
    fel += _audit(sida)
    fel += _audit(sida, "/patient/arenden/VF-2026-20-999999-0/")  # 404
    # An answer on an old page: 409 with the case as it stands.
    sida.goto(f"/patient/arenden/{varld_live.arende.case_id}/")
    Erbjudande.objects.filter(arende=varld_live.arende).update(status=Erbjudande.Status.ATERKALLAT)
    sida.get_by_role("button", name="Ja, jag vill ha vården här").first.click()
    assert sida.get_by_role("alert").is_visible()
    fel += _audit(sida)
    # Staff on a patient page: 403, in the patient's layout.
    staff = _personalkontext(sida.context.browser, live_server.url, varld_live.lots)
    personal = staff.new_page()
    fel += _audit(personal, "/patient/")
    assert personal.get_by_role("heading", name="Sidan är för patienter").is_visible()
    staff.close()
    assert fel == []


def test_a_patient_answers_with_the_keyboard_only(page, varld_live):
    page.set_viewport_size(MOBIL)
    page.goto("/patient/logga-in/")
    tabba_till(page, "Logga in som Tolvan Tolvansson")
    page.keyboard.press("Enter")
    page.wait_for_url("**/patient/")
    tabba_till(page, varld_live.arende.kva.vardagligt_namn)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/patient/arenden/{varld_live.arende.case_id}/")
    tabba_till(page, "Varför säger du nej?")
    page.keyboard.press("ArrowDown")
    tabba_till(page, "Nej tack")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Tack för ditt svar").is_visible()
    assert set(varld_live.arende.erbjudanden.values_list("status", flat=True)) == {Erbjudande.Status.AVBOJT}
    page.goto("/patient/")
    tabba_till(page, "Kontakta mig om vård på annat håll")
    page.keyboard.press("Enter")
    page.wait_for_url("**/patient/kontakta-mig/")
    tabba_till(page, "Vilken region bor du i?")
    page.keyboard.type("Jönköping")
    tabba_till(page, "Vilken vård väntar du på?")
    page.keyboard.type("Knä")
    tabba_till(page, "Jag har väntat längre")
    page.keyboard.press("Space")
    tabba_till(page, "Skicka")
    page.keyboard.press("Enter")
    page.wait_for_url("**/patient/arenden/**")
    assert page.get_by_text("har fått din fråga").is_visible()


def test_coordinator_sends_two_offers_patient_compares_on_a_phone_and_accepts_one(page, varld_live, live_server):
    # The navigator has sent two offers through 1177 (bygg_varld); the patient signs in on a 390 px screen.
    page.set_viewport_size(MOBIL)
    _logga_in(page)
    assert page.get_by_text("Du har 2 erbjudanden att svara på.").is_visible()
    page.get_by_role("link", name=varld_live.arende.kva.vardagligt_namn).click()
    kort = page.locator("li.erbjudande")
    assert kort.count() == 2
    for namn in ("Ögonkliniken Uppsala", "Ögonkliniken Falun"):
        assert page.get_by_role("heading", name=namn).is_visible()
    assert page.get_by_text("Ingen extra kostnad").first.is_visible()
    # Nothing is wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBIL["width"]
    kort.filter(has_text="Ögonkliniken Falun").get_by_role("button", name="Ja, jag vill ha vården här").click()
    assert page.get_by_text("Tack! Du har sagt ja.").is_visible()
    assert page.get_by_text("Här är du nu").is_visible()
    varld_live.arende.refresh_from_db()
    assert varld_live.arende.status == Status.FORMEDLA
    # The coordinator (the navigator of the case here) sees it on the worklist and the case.
    lots = _personalkontext(page.context.browser, live_server.url, varld_live.lots)
    personal = lots.new_page()
    personal.goto("/arenden/")
    rad = personal.locator("tr", has_text=varld_live.arende.case_id)
    assert rad.count() == 1 and "förmedla" in rad.inner_text().lower()
    personal.goto(f"/arenden/{varld_live.arende.case_id}/")
    assert personal.get_by_text("Patienten tackade ja till Ögonkliniken Falun").first.is_visible()
    lots.close()


def test_on_a_phone_the_decline_box_stands_apart_from_the_last_offer(page, varld_live):
    """ "Nej tack till alla erbjudanden" touched the last offer's card (2 px) while the offers stand 1rem apart."""
    page.set_viewport_size(MOBIL)
    _logga_in(page)
    page.goto(f"/patient/arenden/{varld_live.arende.case_id}/")
    forsta, sista = (page.locator("li.erbjudande").nth(i).bounding_box() for i in (0, 1))
    nej = page.locator("section[aria-labelledby=nej-rubrik]").bounding_box()
    mellan_korten = sista["y"] - (forsta["y"] + forsta["height"])
    assert mellan_korten > 10
    assert nej["y"] - (sista["y"] + sista["height"]) >= mellan_korten


def test_the_patient_pages_work_with_javascript_off(_browser, live_server, settings, varld_live):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = _browser.new_context(base_url=live_server.url, java_script_enabled=False, viewport=MOBIL)
    sida = context.new_page()
    _logga_in(sida)
    sida.get_by_role("link", name=varld_live.arende.kva.vardagligt_namn).click()
    sida.get_by_label("Varför säger du nej?").select_option("datum_passar_ej")
    sida.get_by_role("button", name="Nej tack").click()
    assert sida.get_by_text("Tack för ditt svar").is_visible()
    assert set(varld_live.arende.erbjudanden.values_list("avbojt_orsak", flat=True)) == {"datum_passar_ej"}
    context.close()
