"""Issue #14 points 1–3 on the case page, in Chromium with JavaScript on: a 422 and a 409 answer are shown in place,
focused and announced; the previous message does not stay above the new one; the buttons are disabled while a
request is in flight."""

import contextlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from arenden.models import Arende, Status

pytestmark = pytest.mark.browser


def logga_in(page, user) -> None:
    """Signs `user` in (any user, not only the demo cards) by handing the browser a session cookie."""
    client = Client()
    client.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.context._vf_base_url}]
    )


@pytest.fixture
def sida(page, live_server):
    page.context._vf_base_url = live_server.url
    return page


def verkliga_fel(page) -> list[str]:
    """The console's errors, less Chromium's own line for every 4xx (the 422/409 the test provokes, and the
    favicon.ico it asks for by itself on a context's first page)."""
    return [e for e in page.console_errors if not e.startswith("Failed to load resource")]


def fokuserad_klass(page) -> str:
    """The class of the focused element, once the page has moved focus off <body> (the portal focuses a message after
    the swap has settled, a moment after it appears; CI once read <body> in between). Never moved: <body>'s class."""
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function("document.activeElement && document.activeElement !== document.body", timeout=3000)
    return page.evaluate("document.activeElement && document.activeElement.className")


def test_a_future_performed_date_answers_422_in_place_focused_and_announced(sida, arende_i_steg, mottagare):
    a = arende_i_steg("bekraftad")
    logga_in(sida, mottagare)
    sida.goto(f"/arenden/{a.case_id}/")
    svar = []
    sida.on("response", lambda r: svar.append(r.status) if "/atgard/" in r.url else None)
    sida.get_by_label("Utförd datum").fill((timezone.localdate() + timedelta(days=5)).isoformat())
    sida.get_by_role("button", name="Registrera utförd vård").click()
    summering = sida.locator(".felsammanfattning")
    summering.wait_for()
    assert 422 in svar
    assert summering.get_attribute("role") == "alert"
    assert "Uppgifterna är inte sparade" in summering.inner_text()
    assert "felsammanfattning" in fokuserad_klass(sida)
    assert Arende.objects.get(pk=a.pk).status == Status.BEKRAFTAD
    assert verkliga_fel(sida) == []


def test_the_same_case_assessed_in_two_tabs_answers_409_in_the_second(sida, registrera, lots):
    a = registrera()
    logga_in(sida, lots)
    flik1 = sida
    flik2 = sida.context.new_page()
    for flik in (flik1, flik2):
        flik.goto(f"/arenden/{a.case_id}/")
    flik1.get_by_label("Ja, lämplig").check()
    flik1.get_by_role("button", name="Spara bedömning").click()
    flik1.locator("#arende .alert--ok").wait_for()

    svar = []
    flik2.on("response", lambda r: svar.append(r.status))
    flik2.get_by_label("Ja, lämplig").check()
    flik2.get_by_role("button", name="Spara bedömning").click()
    konflikt = flik2.locator("#arende .alert--warn[role=alert]")
    konflikt.wait_for()
    assert 409 in svar
    assert "aktuella läge" in konflikt.inner_text()
    assert "alert--warn" in fokuserad_klass(flik2)
    assert verkliga_fel(sida) == []


def test_the_previous_message_does_not_stay_above_the_new_one(sida, arende_i_steg, lots):
    a = arende_i_steg("hitta_vardgivare")
    logga_in(sida, lots)
    # A message of a whole-page answer (as after a plain form's redirect) …
    sida.goto(f"/arenden/{a.case_id}/")
    sida.evaluate(
        "document.getElementById('meddelanden').innerHTML = '<p class=\"message message--success\">Gammalt</p>'"
    )
    # … is gone once an htmx action answers with its own.
    sida.get_by_label("Text").fill("Ringde patienten.")
    sida.get_by_role("button", name="Spara anteckning").click()
    sida.get_by_text("Anteckningen är sparad.").wait_for()
    assert sida.locator("#meddelanden").inner_text().strip() == ""
    assert sida.locator("text=Gammalt").count() == 0


def test_the_button_is_disabled_and_the_indicator_shown_while_saving(sida, registrera, lots):
    a = registrera()
    logga_in(sida, lots)
    sida.goto(f"/arenden/{a.case_id}/")
    sett = {}

    def fordrojd(route):
        sett["knapp_avstangd"] = sida.evaluate(
            "[...document.querySelectorAll('button')].find(b => b.textContent.includes('Spara bedömning')).disabled"
        )
        sett["indikator"] = sida.locator("#vf-arbetar").is_visible()
        sett["text"] = sida.locator("#vf-arbetar").inner_text()
        route.continue_()

    sida.route("**/atgard/**", fordrojd)
    sida.get_by_label("Ja, lämplig").check()
    sida.get_by_role("button", name="Spara bedömning").click()
    sida.locator("#arende .alert--ok").wait_for()
    assert sett == {"knapp_avstangd": True, "indikator": True, "text": "Sparar…"}
    assert not sida.locator("#vf-arbetar").is_visible()
