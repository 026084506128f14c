"""Issue #14 point 3: Enter in the search field sends one request, not two (the submit and the delayed "as you
type" trigger asked for the same result), and the search shows that it is working while it does."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_enter_in_the_search_field_sends_one_request(page, login, demo_identities):
    login(page, "SE2321000180-VL01")
    page.goto("/katalog/sok/")
    begaran = []
    page.on(
        "request", lambda r: begaran.append(r.url) if "/katalog/sok/" in r.url and r.headers.get("hx-request") else None
    )
    falt = page.get_by_label("Vårdtjänst")
    falt.fill("CJE")
    falt.press("Enter")
    expect(page.locator("#res-rubrik")).to_contain_text("Förslag för CJE")
    page.wait_for_timeout(1200)  # past the 400 ms "as you type" delay
    assert len([u for u in begaran if re.search(r"q=CJE", u)]) == 1, begaran
    assert page.console_errors == []
