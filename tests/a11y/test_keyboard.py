"""Keyboard only (WCAG 2.1.1, 2.4.3, 2.4.7): a navigator signs in, registers a case and searches providers
without a mouse. Every control is reached with Tab in a sensible order and shows a visible focus ring."""

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from arenden.models import Arende

pytestmark = pytest.mark.browser

# The focused element, described the way a screen reader would name it: its label, or its own text.
NAMN_JS = """el => {
  const label = el.labels && el.labels.length ? el.labels[0].textContent : "";
  return (label || el.getAttribute("aria-label") || el.textContent || "").replace(/\\s+/g, " ").trim();
}"""
FOKUSRING_JS = """el => {
  const s = getComputedStyle(el);
  return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none";
}"""


def tabba_till(page, namn: str, *, max_steg: int = 120) -> None:
    """Presses Tab until the focused control's name starts with `namn`; fails when Tab never gets there."""
    sett = []
    for _ in range(max_steg):
        page.keyboard.press("Tab")
        fokus = page.evaluate_handle("document.activeElement")
        aktuellt = page.evaluate(NAMN_JS, fokus)
        if aktuellt.startswith(namn):
            assert page.evaluate(FOKUSRING_JS, fokus), f"{namn!r} har fokus men ingen synlig fokusmarkering"
            return
        sett.append(aktuellt[:30])
    pytest.fail(f"{namn!r} nås inte med Tab; fokus gick: {sett[:40]}")


def skriv(page, namn: str, text: str) -> None:
    tabba_till(page, namn)
    page.keyboard.type(text)


def datum_som_tangenter(page, d: date) -> str:
    """What a user types into a date field: its parts follow the browser's own locale (ÅÅÅÅ-MM-DD in a Swedish
    Chrome, MM/DD/ÅÅÅÅ in this machine's headless build), so ask a scratch field which order it shows."""
    prov = page.evaluate_handle(
        "() => { const i = document.createElement('input'); i.type = 'date'; document.body.append(i); return i; }"
    )
    prov.focus()
    page.keyboard.type("01022003")
    ordning = prov.evaluate("i => { const v = i.value; i.remove(); return v; }")
    if ordning == "2003-01-02":
        return d.strftime("%m%d%Y")
    if ordning == "2003-02-01":
        return d.strftime("%d%m%Y")
    return d.isoformat()  # year first: "-" moves on to the month


@pytest.fixture
def katalog(demo_identities):
    import katalog.demo

    katalog.demo.load()


def test_a_navigator_registers_a_case_and_finds_a_provider_with_the_keyboard_only(page, katalog):
    # Sign in: Tab to Vera Lots' SITHS card and press Enter.
    page.goto("/login/")
    tabba_till(page, "Logga in som Vera Lots")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urlsplit(url).path == "/")  # "**/" would match /login/ itself

    # Start page → "Registrera nytt ärende".
    tabba_till(page, "Registrera nytt ärende")
    page.keyboard.press("Enter")
    page.wait_for_url("**/arenden/nytt/")

    # Step 1: the registration form, field by field in reading order.
    skriv(page, "Personnummer eller samordningsnummer", "19121212-1212")
    skriv(page, "Namn", "Tolvan Tolvansson")
    tabba_till(page, "Önskad kontaktväg")
    page.keyboard.press("ArrowDown")  # a select changes with the arrow keys
    tabba_till(page, "KVÅ-grupp (vårdtjänst)")
    page.keyboard.type("CJE")  # type-ahead picks "CJE Kataraktoperation…"
    assert page.get_by_label("KVÅ-grupp (vårdtjänst)").evaluate("s => s.selectedOptions[0].text").startswith("CJE")
    tabba_till(page, "ASA-klass")
    page.keyboard.type("ASA 2")
    beslut = date.today() - timedelta(days=70)
    skriv(page, "Beslut om behandling", datum_som_tangenter(page, beslut))
    assert page.get_by_label("Beslut om behandling").input_value() == beslut.isoformat()
    tabba_till(page, "Behöver ledsagare")
    page.keyboard.press("Space")
    assert page.get_by_label("Behöver ledsagare").is_checked()
    tabba_till(page, "Lämplig för vårdförmedling")
    page.keyboard.type("Ja")
    tabba_till(page, "Registrera ärendet")
    page.keyboard.press("Enter")
    page.wait_for_url("**/arenden/VF-*/")
    arende = Arende.objects.get()
    assert (arende.kva_id, arende.asa_klass, arende.ledsagare, arende.lamplig) == ("CJE", 2, True, True)
    assert arende.beslutsdatum == beslut

    # Step 2: search providers from the case and open an offer for the best-ranked unit.
    tabba_till(page, "Hitta vårdgivare för ärendet")
    page.keyboard.press("Enter")
    page.wait_for_url("**/katalog/sok/**")
    assert page.get_by_role("heading", name="Förslag för CJE").is_visible()
    # No demo agreements are loaded here, so the case's "only usable agreements" filter excludes every unit:
    # Space on the checkbox clears it and the results update in place (HTMX), focus staying on the checkbox.
    tabba_till(page, "Endast användbara avtal med volym kvar")
    page.keyboard.press("Space")
    page.locator("ol.traffar").wait_for()
    assert page.evaluate(NAMN_JS, page.evaluate_handle("document.activeElement")).startswith("Endast användbara")
    tabba_till(page, "Erbjud")
    page.keyboard.press("Enter")
    page.wait_for_url("**/erbjudanden/nytt/**")
    assert page.get_by_label("Vårdenhet (HSA-id)").input_value().startswith("SE")

    # A free search from the menu: type the care service, press Enter, open a unit from the results.
    page.goto("/katalog/sok/")
    skriv(page, "Vårdtjänst", "CJE")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Förslag för CJE").wait_for()
    forsta = page.locator("ol.traffar .traff__namn a").first.inner_text()
    tabba_till(page, forsta)
    page.keyboard.press("Enter")
    page.wait_for_url("**/katalog/enheter/**")
    assert page.get_by_role("heading", level=1).inner_text().startswith(forsta)
    assert page.console_errors == []
