"""Issue 17 point 5 on the case page, in Chromium with JavaScript on: parking without a reason answers 422 in place,
a stale form answers 409 in place, and a booked call-back shows on the page and heads the worklist when due."""

from datetime import timedelta

import pytest
from django.utils import timezone

from arenden.models import Arende
from tests.arenden.test_browser_htmx_fel import fokuserad_klass, logga_in, verkliga_fel

pytestmark = pytest.mark.browser


@pytest.fixture
def sida(page, live_server):
    page.context._vf_base_url = live_server.url
    return page


def test_parking_without_a_reason_answers_422_in_place(sida, registrera, lots):
    a = registrera()
    logga_in(sida, lots)
    sida.goto(f"/arenden/{a.case_id}/")
    svar = []
    sida.on("response", lambda r: svar.append(r.status) if "/atgard/" in r.url else None)
    sida.get_by_text("Bevaka ärendet", exact=True).first.click()  # the folded form's summary
    sida.get_by_role("button", name="Spara bevakning").click()
    summering = sida.locator(".felsammanfattning")
    summering.wait_for()
    assert 422 in svar
    assert "Skriv varför ärendet ska bevakas" in sida.locator("#arende").inner_text()
    assert "felsammanfattning" in fokuserad_klass(sida)
    assert Arende.objects.get(pk=a.pk).bevakas_sedan is None
    assert verkliga_fel(sida) == []


def test_a_call_back_booked_in_one_tab_makes_parking_in_the_other_answer_409(sida, registrera, lots):
    a = registrera()
    logga_in(sida, lots)
    flik1 = sida
    flik2 = sida.context.new_page()
    for flik in (flik1, flik2):
        flik.goto(f"/arenden/{a.case_id}/")
    imorgon = (timezone.localdate() + timedelta(days=1)).isoformat()
    flik1.get_by_text("Återuppringning", exact=True).click()
    flik1.get_by_label("Datum", exact=True).fill(imorgon)
    flik1.get_by_label("Tid", exact=True).fill("10:30")
    flik1.get_by_role("button", name="Spara återuppringning").click()
    flik1.locator("#arende .alert--ok").wait_for()
    assert f"Återuppringning bokad {imorgon} 10:30" in flik1.locator("#aterringning-info").inner_text()

    svar = []
    flik2.on("response", lambda r: svar.append(r.status))
    flik2.get_by_text("Bevaka ärendet", exact=True).first.click()
    flik2.get_by_label("Varför bevakas ärendet?").fill("ASA 4, ingen enhet med rätt kompetens")
    flik2.get_by_role("button", name="Spara bevakning").click()
    konflikt = flik2.locator("#arende .alert--warn[role=alert]")
    konflikt.wait_for()
    assert 409 in svar
    assert "Ärendet har ändrats av någon annan" in konflikt.inner_text()
    assert "alert--warn" in fokuserad_klass(flik2)
    assert Arende.objects.get(pk=a.pk).bevakas_sedan is None

    # The page now shows the current version: parking goes through.
    flik2.get_by_text("Bevaka ärendet", exact=True).first.click()
    flik2.get_by_label("Varför bevakas ärendet?").fill("ASA 4, ingen enhet med rätt kompetens")
    flik2.get_by_role("button", name="Spara bevakning").click()
    flik2.locator("#bevakning-info").wait_for()
    assert "ASA 4, ingen enhet med rätt kompetens" in flik2.locator("#bevakning-info").inner_text()
    assert Arende.objects.get(pk=a.pk).bevakas_sedan is not None
    assert verkliga_fel(sida) == []


def test_on_a_phone_the_worklist_keeps_the_masked_personnummer_on_one_line(sida, registrera, lots):
    """At 390 px "19541006-****" broke after its hyphen, the stars alone on the next line."""
    a = registrera()
    logga_in(sida, lots)
    sida.set_viewport_size({"width": 390, "height": 844})
    sida.goto("/arenden/")
    maskerat = sida.locator("tr", has_text=a.case_id).locator("td .muted")
    assert maskerat.inner_text().endswith("-****")
    en_rad = "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length; }"
    assert maskerat.evaluate(en_rad) == 1
    assert verkliga_fel(sida) == []
