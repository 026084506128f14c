"""Issue #14 point 25 at 1366 px and 390 px: agreement IDs and dates do not wrap inside themselves, a checkbox in a
filter grid keeps its size and sits next to its label, no page is wider than the screen."""

import pytest
from playwright.sync_api import expect

from avtal.models import Avtal
from katalog.models import Vardenhet
from vardformedling.models import Region

pytestmark = pytest.mark.browser

EN_RAD = "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length; }"


@pytest.fixture
def avtal(demo_identities):
    enhet = Vardenhet.objects.get(hsa_id="SE5560000001-OGON02")
    return Avtal.objects.create(
        avtalsagare=Region.objects.get(kod="20"),
        avtal_id="RD 2025/0042",
        vardgivare=enhet.vardgivare,
        avtalstyp="upphandlat",
        giltig_fran="2025-01-01",
        giltig_till="2027-12-31",
        far_nyttjas_av_alla=True,
    )


def _bredvid(page, box_selector: str, label_selector: str) -> None:
    box = page.locator(box_selector).bounding_box()
    label = page.locator(label_selector).bounding_box()
    assert box["width"] < 30, box  # its own size, not the grid cell's width
    assert abs(label["y"] - box["y"]) < 20, (box, label)
    if label["x"] <= box["x"]:  # the label holds the box: the text follows it, on at most two lines
        assert label["height"] < 60, label
    else:
        assert 0 <= label["x"] - (box["x"] + box["width"]) < 40, (box, label)  # the text starts right after the box


@pytest.mark.parametrize("bredd", [1366, 390])
def test_agreement_ids_and_dates_stay_on_one_line_and_checkboxes_sit_by_their_labels(page, login, avtal, bredd):
    page.set_viewport_size({"width": bredd, "height": 900})
    login(page, "SE2321000180-VL01")
    page.goto("/avtal/")
    lank = page.get_by_role("link", name="RD 2025/0042")
    expect(lank).to_be_visible()
    assert lank.evaluate(EN_RAD) == 1
    for datum in page.locator("#avtal-resultat td .nowrap").all():
        assert datum.evaluate(EN_RAD) == 1
    _bredvid(page, "#f-min", "label[for=f-min]")

    page.goto("/katalog/sok/?kva=CJE")
    kryss = page.locator(".sokform .filters input[type=checkbox]").first
    kryss_id = kryss.get_attribute("id")
    _bredvid(page, f"#{kryss_id}", f"label[for={kryss_id}]")
    assert page.evaluate("document.documentElement.scrollWidth") <= bredd


def test_no_form_page_is_wider_than_a_phone(page, login, demo_identities):
    """A fieldset took the width of its widest select (the KVÅ groups' long names): the page scrolled sideways."""
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "SE2321000180-VL01")
    for url in ("/arenden/nytt/", "/katalog/sok/", "/hjalp/", "/lagesbild/vantetider/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url


def test_the_coordinators_new_pages_fit_a_phone_and_the_text_fields_are_wide(page, login, demo_identities):
    """The delivery-plan upload's column list ran 150 px past a 390 px screen; the region's texts to patients were
    edited in 20-character boxes on a 1366 px screen."""
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "SE2321000057-KO01")
    for url in ("/leveransplaner/uppladdning/", "/avtal/volym/uppladdning/", "/arenden/patientmallar/",
                "/arenden/vantelista/", "/leveransplaner/"):  # fmt: skip
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/arenden/patientmallar/")
    for falt in page.locator(".mallform textarea, .mallform input[type=text]").all():
        assert falt.bounding_box()["width"] > 500, falt.get_attribute("name")


def test_a_receiving_units_long_commission_name_fits_a_phone(page, login, demo_identities):
    """ "Mottagande enhet – Demo Ögonklinik Uppsala" in the header's commission switch pushed every page of Mona's to
    430 px."""
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "SE5560000001-MO01")
    for url in ("/", "/arenden/inkorg/", "/leveransplaner/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
        expect(page.get_by_role("button", name="Byt")).to_be_in_viewport()


@pytest.mark.parametrize("bredd", [1366, 390])
def test_the_header_notifications_open_on_a_readable_panel(page, login, demo_identities, bredd):
    """Opened, "Inga olästa notiser" (grey) and "Alla notiser" (blue) sat on the dark blue header."""
    page.set_viewport_size({"width": bredd, "height": 844})
    login(page, "SE2321000180-VL01")
    page.locator(".notiser summary").click()
    lista = page.locator(".notiser__lista")
    expect(lista.get_by_role("link", name="Alla notiser")).to_be_in_viewport()
    assert lista.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
    if bredd > 900:  # the popover is not squeezed to the width of the word "Notiser"
        assert lista.bounding_box()["width"] > 300
    assert page.evaluate("document.documentElement.scrollWidth") <= bredd
