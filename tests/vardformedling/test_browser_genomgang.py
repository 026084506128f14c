"""What a walk through the demo as each role found, at 1366 px and 390 px: filter forms whose labels and boxes did not
line up (a help text under one field lifted it above its neighbours), and the lists' page links, one include for
every list (the same markup, htmx where the list is swapped in place, page numbers as counts)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from arenden import services
from avtal.models import Avtal
from katalog.models import KvaGrupp, Vardenhet
from vardformedling.models import Medarbetaruppdrag, Region
from vardformedling.personnummer import make_test_number

pytestmark = pytest.mark.browser

VERA = "SE2321000180-VL01"

# Each visible field of a form's filter grid: its box, its label's bottom and its control's (or checkbox's) top.
FALT = """form => [...form.querySelectorAll('.filters > .field')].filter(f => f.offsetParent !== null).map(f => {
  const box = f.getBoundingClientRect();
  const kryss = f.classList.contains('checkbox');
  const etikett = f.querySelector(':scope > label');
  const ruta = kryss ? f.querySelector('input') : f.querySelector(':scope > input:not([type=hidden]), :scope > select');
  return {namn: ruta ? ruta.name : '', kryss, topp: box.top, botten: box.bottom,
          etikett: etikett.getBoundingClientRect().bottom, ruta: ruta.getBoundingClientRect().top,
          ruta_botten: ruta.getBoundingClientRect().bottom};
})"""


def _rader(falt: list[dict]) -> list[list[dict]]:
    """The fields in visual rows: fields whose boxes overlap vertically share a row."""
    rader: list[list[dict]] = []
    for f in sorted(falt, key=lambda f: f["topp"]):
        if rader and f["topp"] < max(g["botten"] for g in rader[-1]) - 1:
            rader[-1].append(f)
        else:
            rader.append([f])
    return rader


def _i_linje(page, formular: str) -> None:
    falt = page.locator(formular).evaluate(FALT)
    assert len(falt) >= 4, falt
    for rad in _rader(falt):
        vanliga = [f for f in rad if not f["kryss"]]
        for f in vanliga:  # every label ends at the same height, and every box starts at the same height
            assert abs(f["etikett"] - vanliga[0]["etikett"]) <= 1, rad
            assert abs(f["ruta"] - vanliga[0]["ruta"]) <= 1, rad
        kryss = [f for f in rad if f["kryss"]]
        for f in kryss:
            assert abs(f["ruta"] - kryss[0]["ruta"]) <= 1, rad  # checkboxes side by side start level
            if vanliga:  # and a checkbox beside boxes sits within their height
                assert vanliga[0]["ruta"] <= f["ruta"] <= vanliga[0]["ruta_botten"], rad


@pytest.mark.parametrize("bredd", [1366, 390])
def test_the_worklist_and_search_filters_line_up_their_labels_boxes_and_checkboxes(page, login, demo_identities, bredd):
    """The worklist's case-ID field has a help text under it: its label and box sat 20 px above the others'; the
    checkbox "Bara erbjudanden att skicka per post" (two lines) started above the two beside it. The search form's
    help texts did the same to its fields."""
    page.set_viewport_size({"width": bredd, "height": 900})
    login(page, VERA)
    page.goto("/arenden/")
    _i_linje(page, 'form[role=search][aria-label="Filtrera ärenden"]')
    if bredd > 1000:  # the case-ID field, its help text and the other fields share the first row
        rad = _rader(page.locator('form[role=search][aria-label="Filtrera ärenden"]').evaluate(FALT))[0]
        assert {"q", "steg", "status", "kva"} <= {f["namn"] for f in rad}
    page.goto("/katalog/sok/?kva=CJE")
    _i_linje(page, "form.sokform")
    page.goto("/avtal/")
    _i_linje(page, "form.filters")
    assert page.evaluate("document.documentElement.scrollWidth") <= bredd


# --- The page links: one include --------------------------------------------------------------------------------


def _avtal(antal: int) -> None:
    enhet = Vardenhet.objects.get(hsa_id="SE5560000001-OGON02")
    idag = timezone.localdate()
    Avtal.objects.bulk_create(
        Avtal(
            avtalsagare=Region.objects.get(kod="20"),
            avtal_id=f"RD 2026/{nr:04d}",
            vardgivare=enhet.vardgivare,
            avtalstyp="upphandlat",
            giltig_fran=idag - timedelta(days=10),
            giltig_till=idag + timedelta(days=300),
            far_nyttjas_av_alla=True,
        )
        for nr in range(antal)
    )


def _arenden(antal: int) -> None:
    uppdrag = Medarbetaruppdrag.objects.select_related("user").get(user__hsa_id=VERA)
    for nr in range(antal):
        services.arende_registrera(
            anvandare=uppdrag.user,
            uppdrag=uppdrag,
            region=Region.objects.get(kod="20"),
            personnummer=make_test_number(1950, 5, 6, nr + 1),
            namn=f"Test Testsson {nr}",
            kva=KvaGrupp.objects.get(kod="CJE"),
            beslutsdatum=timezone.localdate() - timedelta(days=30),
        )


def test_the_worklist_and_the_agreements_page_on_with_the_same_links_in_place(page, login, demo_identities):
    """The two lists had their own copies of the page links (the worklist's with a bare "&" and "?&sida=2" without a
    filter); one include now: "Nästa" fetches the next page into the list with htmx, keeps the filters and pushes
    the URL, "Föregående" goes back."""
    _avtal(30)
    _arenden(26)
    login(page, VERA)
    for url, lista, filter_ in (
        ("/avtal/?typ=upphandlat", "#avtal-resultat", "typ=upphandlat"),
        ("/arenden/?flik=region", "#resultat", "flik=region"),
    ):
        page.goto(url)
        nav = page.locator(f"{lista} nav.pagination")
        expect(nav.locator("span")).to_have_text("Sida 1 av 2")
        nasta = nav.get_by_role("link", name="Nästa")
        assert nasta.get_attribute("hx-target") == lista
        assert nasta.get_attribute("href") == f"?{filter_}&sida=2"
        page.evaluate("window.vfIngenNyLaddning = true")  # gone if the page were loaded anew
        nasta.click()
        expect(nav.locator("span")).to_have_text("Sida 2 av 2")
        assert page.url.endswith(f"?{filter_}&sida=2")
        assert page.evaluate("window.vfIngenNyLaddning") is True
        nav.get_by_role("link", name="Föregående").click()
        expect(nav.locator("span")).to_have_text("Sida 1 av 2")
        assert page.evaluate("window.vfIngenNyLaddning") is True


# --- "Varför här?" on a phone -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bredd", [390, 1366])
def test_why_here_fits_a_phone_with_every_criterions_basis_on_screen(page, login, demo_identities, bredd):
    """Opened at 390 px, the part-score table of "Varför här?" made the page 489 px wide: weight and basis ran off
    the screen. On a phone each criterion's basis now goes under its score and weight."""
    page.set_viewport_size({"width": bredd, "height": 844})
    login(page, VERA)
    page.goto("/katalog/sok/?kva=CJE")
    varfor = page.locator("details.varfor").first
    varfor.locator("summary").click()
    underlag = varfor.locator("tbody tr").first.locator("td").last
    expect(underlag).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= bredd
    ruta = underlag.bounding_box()
    assert ruta["x"] >= 0 and ruta["x"] + ruta["width"] <= bredd
    vikt = varfor.locator("tbody tr").first.locator("td").nth(1).bounding_box()
    assert vikt["x"] + vikt["width"] <= bredd  # the weight too
    rubriker = varfor.locator("thead th")
    assert rubriker.nth(1).evaluate("e => e.scrollWidth <= e.clientWidth")  # "Delpoäng" is not cut off


# --- The worklist's tabs on a phone -------------------------------------------------------------------------------

EN_RAD = "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length; }"


def test_the_worklists_tabs_keep_each_name_on_one_line_on_a_phone(page, login, demo_identities):
    """At 390 px "Mina ärenden", "Min region" and "Registrera nytt ärende" each broke over two lines in a squeezed
    box; the row of tabs wraps instead."""
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, VERA)
    page.goto("/arenden/")
    flikar = page.locator("ul.tabs a")
    assert flikar.count() == 3
    for flik in flikar.all():
        assert flik.evaluate(EN_RAD) == 1, flik.inner_text()
        ruta = flik.bounding_box()
        assert ruta["x"] + ruta["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
