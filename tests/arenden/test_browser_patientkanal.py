"""Issue 18 in Chromium with JavaScript on: the postal task's "Brev skickat" (HTMX) succeeds in place and answers
409 in a second tab where the letter was already recorded; the region's texts page answers 422 with a focused error
summary for an unknown placeholder and saves nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from arenden import services
from arenden.models import Erbjudande, Patientmall
from tests.arenden.test_browser_htmx_fel import fokuserad_klass, logga_in, verkliga_fel
from tests.factories import make_user
from vardformedling.models import Roll

pytestmark = pytest.mark.browser


@pytest.fixture
def sida(page, live_server):
    page.context._vf_base_url = live_server.url
    return page


def test_letter_sent_closes_the_task_in_place_and_a_second_tab_gets_409(sida, arende_i_steg, lots, mottagande_enhet):
    a = arende_i_steg("hitta_vardgivare")
    e = services.erbjudande_lamna(
        arende=a, anvandare=lots, vardenhet=mottagande_enhet, erbjudet_via=Erbjudande.Via.V1177
    )
    Erbjudande.objects.filter(pk=e.pk).update(skapad=timezone.now() - timedelta(days=14))  # sent 14 days ago
    logga_in(sida, lots)
    flik1, flik2 = sida, sida.context.new_page()
    for flik in (flik1, flik2):
        flik.goto(f"/arenden/{a.case_id}/")
    assert flik1.get_by_text("Skicka erbjudandet per post").first.is_visible()
    flik1.get_by_role("button", name="Brev skickat").click()
    ok = flik1.locator("#arende .alert--ok")
    ok.wait_for()
    assert "Uppgiften är klar" in ok.inner_text()
    assert flik1.get_by_role("button", name="Brev skickat").count() == 0

    svar = []
    flik2.on("response", lambda r: svar.append(r.status) if "/atgard/" in r.url else None)
    flik2.get_by_role("button", name="Brev skickat").click()
    konflikt = flik2.locator("#arende .alert--warn[role=alert]")
    konflikt.wait_for()
    assert 409 in svar and "aktuella läge" in konflikt.inner_text()
    assert "alert--warn" in fokuserad_klass(flik2)
    assert Erbjudande.objects.get(pk=e.pk).brev_skickat is not None
    assert verkliga_fel(sida) == []


def test_an_unknown_placeholder_answers_422_focused_and_saves_nothing(sida):
    logga_in(sida, make_user(Roll.KOORDINATOR, "20", namn="Test Koordinator"))
    sida.goto("/arenden/patientmallar/")
    svar = []
    sida.on("response", lambda r: svar.append(r.status) if "/patientmallar/" in r.url else None)
    sida.get_by_label("Remissbekräftelse: text").fill("Hej {patientens_namn}")
    sida.get_by_role("button", name="Spara").click()
    summering = sida.locator(".felsammanfattning")
    summering.wait_for()
    assert 422 in svar
    assert "Platshållaren {patientens_namn} finns inte" in summering.inner_text()
    assert "felsammanfattning" in fokuserad_klass(sida)
    assert not Patientmall.objects.exists()
    assert verkliga_fel(sida) == []
