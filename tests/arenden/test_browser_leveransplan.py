"""Issue #19 point 3 in Chromium with JavaScript on: a coordinator records a delivery plan; a bad week answers 422
in place (announced, focused, the figures kept, nothing written), then the corrected plan shows in the table."""

import pytest
from django.utils import timezone

from avtal.leveransplan import mandag
from avtal.models import Leveransplan
from tests.arenden.test_browser_htmx_fel import fokuserad_klass, logga_in, verkliga_fel
from tests.factories import make_user
from vardformedling import format as fmt
from vardformedling.models import Roll

pytestmark = pytest.mark.browser


@pytest.fixture
def sida(page, live_server):
    page.context._vf_base_url = live_server.url
    return page


def test_a_delivery_plan_with_a_bad_week_answers_422_in_place_then_saves(sida, avtalsrad, mottagande_enhet):
    logga_in(sida, make_user(Roll.KOORDINATOR, "20", namn="Test Koordinator"))
    sida.goto("/leveransplaner/")
    svar: list[int] = []
    sida.on("response", lambda r: svar.append(r.status) if "/leveransplaner/ny/" in r.url else None)
    form = sida.locator("#leveransplaner form")
    form.get_by_label("Vårdgivare (HSA-id)").fill(mottagande_enhet.vardgivare.hsa_id)
    form.get_by_label("KVÅ-grupp").select_option("CJE")
    form.get_by_label("Första vecka").fill("2026-V77")
    form.get_by_label("Planerat antal patienter per vecka").fill("4")
    form.get_by_role("button", name="Spara leveransplan").click()
    summering = sida.locator("#leveransplaner .felsammanfattning[role=alert]")
    summering.wait_for()
    assert 422 in svar
    assert "Leveransplanen är inte sparad" in summering.inner_text()
    assert "”2026-V77” är ingen vecka" in summering.inner_text()
    assert "felsammanfattning" in fokuserad_klass(sida)
    assert sida.locator("#leveransplaner form").get_by_label("Planerat antal patienter per vecka").input_value() == "4"
    assert not Leveransplan.objects.exists()

    vecka = fmt.vecka(mandag(timezone.localdate()))
    sida.locator("#leveransplaner form").get_by_label("Första vecka").fill(vecka)
    sida.locator("#leveransplaner form").get_by_role("button", name="Spara leveransplan").click()
    sida.locator("#leveransplaner .alert--ok", has_text="Leveransplanen är sparad").wait_for()
    rad = sida.locator("#leveransplaner tbody tr", has_text=vecka)
    assert "4" in rad.first.inner_text() and "pågår" in rad.first.inner_text()
    assert Leveransplan.objects.get().antal == 4
    assert verkliga_fel(sida) == []


@pytest.mark.parametrize("bredd", [1366, 390])
def test_the_week_filter_stands_apart_from_the_plans(sida, mottagande_enhet, bredd):
    """The week filter sat on the top edge of the plans' box (0 px between them); it is a box of its own, as on the
    worklist and the capacity page."""
    logga_in(sida, make_user(Roll.KOORDINATOR, "20"))
    sida.set_viewport_size({"width": bredd, "height": 900})
    sida.goto("/leveransplaner/")
    filter_ = sida.get_by_role("search", name="Välj veckor").bounding_box()
    panel = sida.locator("#leveransplaner section.panel").first.bounding_box()
    assert panel["y"] - (filter_["y"] + filter_["height"]) >= 12
    assert sida.evaluate("document.documentElement.scrollWidth") <= bredd


def test_on_a_phone_the_unit_reads_each_weeks_figure_and_the_whole_explanation(sida, mottagande_enhet, mottagare):
    """At 390 px the inflow table's explanation was its caption, as wide as the table and scrolled off the screen
    mid-sentence, and the planned figure was the last of five columns, off the screen too."""
    from avtal.services import leveransplan_spara

    vecka = mandag(timezone.localdate())
    leveransplan_spara(planerad_av_id=None, vardgivare=mottagande_enhet.vardgivare, kva_id="CJE", veckor=[vecka],
                       sandande_region_id="22", antal=4)  # fmt: skip
    logga_in(sida, mottagare)
    sida.set_viewport_size({"width": 390, "height": 844})
    sida.goto("/leveransplaner/")
    forklaring = sida.locator("#inflode-forklaring").bounding_box()
    assert forklaring["x"] + forklaring["width"] <= 390
    rad = sida.locator("#leveransplaner tbody tr", has_text=fmt.vecka(vecka))
    siffra = rad.locator("td.num").bounding_box()
    assert rad.locator("td.num").inner_text() == "4" and siffra["x"] + siffra["width"] <= 390
    assert sida.evaluate("document.documentElement.scrollWidth") <= 390
    assert verkliga_fel(sida) == []
