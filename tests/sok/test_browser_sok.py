import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_navigator_searches_filters_and_opens_a_unit(page, login, demo_identities):
    login(page, "SE2321000180-VL01")
    page.get_by_role("link", name="Hitta vårdgivare").first.click()
    expect(page).to_have_url(re.compile(r"/katalog/sok/$"))

    page.get_by_label("Vårdtjänst").press_sequentially("CJE")  # HTMX searches as you type; the URL follows
    expect(page).to_have_url(re.compile(r"q=CJE"))
    expect(page.locator("#res-rubrik")).to_contain_text("Förslag för CJE")
    expect(page.locator(".sok-sammanfattning")).to_contain_text("avstånd från Falun (residensstad)")
    assert page.locator(".traff").count() == 20  # first page of the demo's CJE units

    page.get_by_label("Enhetens region").select_option("03")
    expect(page).to_have_url(re.compile(r"region=03"))
    expect(page.locator(".traff")).to_have_count(2)
    page.get_by_label("Patientens ASA-klass").select_option("4")
    expect(page.locator(".uteslutna")).to_contain_text("tar inte emot ASA 4")
    expect(page.locator(".traff")).to_have_count(1)

    first = page.locator(".traff").first
    first.get_by_text("Varför här?").click()
    expect(first.locator("table.delpoang")).to_be_visible()

    name = first.locator(".traff__namn a").inner_text()
    first.locator(".traff__namn a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("link", name="Lägesbild för enheten (18 månader)")).to_be_visible()

    page.go_back()  # the query lives in the URL: back restores the filtered search
    expect(page.get_by_label("Enhetens region")).to_have_value("03")
    expect(page.locator(".traff")).to_have_count(1)
    assert page.console_errors == []


def test_changing_a_filter_keeps_the_kva_group_chosen_among_several(page, login, demo_identities):
    """Issue #14 point 21: after "katarakt" → Välj vårdtjänst → CJE, a filter change searched the text again and
    fell back to the choice; the chosen group must stay (the text field may still say "katarakt")."""
    login(page, "SE2321000180-VL01")
    page.goto("/katalog/sok/")

    page.get_by_label("Vårdtjänst").press_sequentially("katarakt")
    expect(page.get_by_role("heading", name="Välj vårdtjänst")).to_be_visible()
    page.locator(".kva-val a", has_text=re.compile(r"^CJE ")).click()  # the click also ends the text's change
    expect(page.locator("#res-rubrik")).to_contain_text("Förslag för CJE")
    expect(page.get_by_label("Vårdtjänst")).to_have_value("katarakt")

    page.get_by_label("Patientens ASA-klass").select_option("3")
    expect(page).to_have_url(re.compile(r"asa=3"))
    expect(page.locator("#res-rubrik")).to_contain_text("Förslag för CJE")
    expect(page.get_by_role("heading", name="Välj vårdtjänst")).to_have_count(0)
    page.get_by_label("Högst avstånd (km)").fill("500")
    page.get_by_label("Högst avstånd (km)").dispatch_event("change")
    expect(page).to_have_url(re.compile(r"max_avstand=500"))
    expect(page.locator("#res-rubrik")).to_contain_text("Förslag för CJE")

    page.reload()  # the pushed URL names the group too
    expect(page.locator("#res-rubrik")).to_contain_text("Förslag för CJE")

    page.get_by_label("Vårdtjänst").fill("")  # a new text searches the new text, not the old group
    page.get_by_label("Vårdtjänst").press_sequentially("NGB")
    expect(page.locator("#res-rubrik")).to_contain_text("Förslag för NGB")
    assert page.console_errors == []
