"""Each demo identity signs in through the SITHS stub, sees its navigation, and signs out (headless Chromium)."""

import pytest

pytestmark = [pytest.mark.browser]

NAV = {
    "SE2321000180-VL01": ["Hitta vårdgivare", "Lägesbild", "Ärenden", "Avtal"],
    "SE2321000057-KO01": ["Hitta vårdgivare", "Lägesbild", "Ärenden", "Avtal", "Uppföljning", "Loggkontroll"],
    "SE2321000016-AD01": ["Hitta vårdgivare", "Lägesbild", "Avtal", "Uppföljning"],
    "SE5560000001-MO01": ["Lägesbild", "Ärenden", "Inkorg", "Avtal"],
    "SE2321000206-VL02": ["Hitta vårdgivare", "Lägesbild", "Ärenden", "Avtal"],
}
ALL = {"Hitta vårdgivare", "Lägesbild", "Ärenden", "Inkorg", "Avtal", "Uppföljning", "Loggkontroll"}


@pytest.mark.parametrize("hsa_id", list(NAV))
def test_demo_identity_signs_in_sees_its_navigation_and_signs_out(page, demo_identities, login, hsa_id):
    login(page, hsa_id)
    nav = page.get_by_role("navigation", name="Huvudmeny")
    links = [t.strip() for t in nav.get_by_role("link").all_inner_texts()]
    assert links[0] == "Start"
    assert links[1:] == NAV[hsa_id]
    for hidden in ALL - set(NAV[hsa_id]):
        assert hidden not in links
    assert page.get_by_role("heading", name="Vårdförmedlingsprocessen").is_visible()
    # The receiving unit sees only the steps it takes part in (issue #14 point 11).
    assert page.locator(".steps__item").count() == (3 if hsa_id == "SE5560000001-MO01" else 5)
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url("**/login/")
    page.goto("/")
    assert "/login/" in page.url
    assert page.console_errors == []


def test_skip_link_moves_focus_to_the_main_content(page, demo_identities, login):
    login(page, "SE2321000180-VL01")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Hoppa till innehållet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
