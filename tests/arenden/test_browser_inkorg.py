"""The receiving unit's inbox in Chromium with JavaScript on (issue 16 point 4): it opens its envelope, sees the
patient from its own copy and acknowledges it (htmx, in place); a receipt a colleague already sent answers 409 and
an envelope damaged after it was shown answers 422, each in place with its message."""

import base64
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from arenden import services
from arenden.models import Overforing, Status
from arenden.services import remisskuvert
from tests.arenden.test_browser_htmx_fel import logga_in, verkliga_fel
from vardformedling.nycklar.fel import KuvertManipulerat

pytestmark = pytest.mark.browser

EN_RAD = "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length; }"


@pytest.fixture
def sida(page, live_server):
    page.context._vf_base_url = live_server.url
    return page


@pytest.fixture
def overford(arende_i_steg, lots, lots_uppdrag, django_capture_on_commit_callbacks):
    a = arende_i_steg("formedla")
    with django_capture_on_commit_callbacks(execute=True):
        o = services.arende_overfor(arende=a, anvandare=lots, uppdrag=lots_uppdrag, dokument=["remiss", "provsvar"])
    return a, Overforing.objects.get(pk=o.pk)


def _kvittera(sida) -> list[int]:
    svar: list[int] = []
    sida.on("response", lambda r: svar.append(r.status) if "/kvittera/" in r.url else None)
    sida.get_by_role("button", name="Kvittera mottagen remiss").click()
    return svar


def test_the_receiving_unit_opens_its_inbox_sees_the_patient_and_acknowledges(sida, overford, mottagare):
    a, o = overford
    logga_in(sida, mottagare)
    sida.goto("/")
    sida.get_by_role("link", name="Inkorg").click()
    rad = sida.get_by_role("row").filter(has_text=a.case_id)
    assert "Ej kvitterad" in rad.inner_text() and a.identitet.namn not in sida.content()
    rad.get_by_role("link", name=f"Öppna remissen i ärende {a.case_id}").click()
    assert sida.locator("#remiss-namn").inner_text() == a.identitet.namn
    assert sida.locator("#remiss-personnummer").inner_text() == a.identitet.formaterat
    assert sida.locator("#remiss-dokument").inner_text() == (
        "Dokument i kuvertet: Remiss, Provsvar. Alla är kontrollerade och oförändrade sedan hemregionen skickade dem."
    )  # in words, not "kontrollerade mot sina SHA-256"
    svar = _kvittera(sida)
    sida.get_by_role("status").filter(has_text="kvitterad som mottagen").wait_for()
    assert svar == [200]
    assert "Mottagen" in sida.locator("#remiss-status").inner_text()
    assert sida.get_by_role("button", name="Kvittera mottagen remiss").count() == 0
    o.refresh_from_db()
    assert o.mottagen is not None
    # The case page says so too.
    sida.goto(f"/arenden/{a.case_id}/")
    assert "Mottagen" in sida.locator("#rubrik-overforing + p").inner_text()
    assert verkliga_fel(sida) == []


def test_a_receipt_a_colleague_already_sent_answers_409_in_place(sida, overford, mottagare, mottagare_uppdrag):
    _, o = overford
    logga_in(sida, mottagare)
    sida.goto(f"/arenden/inkorg/{o.pk}/")
    remisskuvert.kvittera(overforing=o, anvandare=mottagare, uppdrag=mottagare_uppdrag)  # the colleague, first
    svar = _kvittera(sida)
    larm = sida.get_by_role("alert").filter(has_text=remisskuvert.REDAN_MOTTAGEN)
    larm.wait_for()
    assert svar == [409]
    assert "Mottagen" in sida.locator("#remiss-status").inner_text()
    assert verkliga_fel(sida) == []


def test_an_envelope_damaged_after_it_was_shown_answers_422_in_place(sida, overford, mottagare):
    a, o = overford
    logga_in(sida, mottagare)
    sida.goto(f"/arenden/inkorg/{o.pk}/")
    fil = settings.SDK_OUTBOX / o.kuvert
    yttre = json.loads(fil.read_bytes())
    signatur = bytearray(base64.b64decode(yttre["signatur"]))
    signatur[0] ^= 0x80
    yttre["signatur"] = base64.b64encode(bytes(signatur)).decode()
    fil.write_bytes(json.dumps(yttre).encode())
    svar = _kvittera(sida)
    sida.get_by_role("alert").filter(has_text=KuvertManipulerat.meddelande).first.wait_for()
    assert svar == [422]
    assert a.identitet.namn not in sida.locator("#remiss").inner_text()
    o.refresh_from_db()
    assert o.mottagen is None
    assert verkliga_fel(sida) == []


def test_on_a_phone_each_envelope_opens_from_the_screen_without_scrolling_sideways(sida, overford, mottagare):
    """At 390 px the only way to open an envelope ("Öppna", the sixth column) was past the right edge of the screen:
    the receiving unit had to scroll the table sideways for each referral. Now the case ID opens it and comes first
    with its status, as in the worklist."""
    a, _ = overford
    logga_in(sida, mottagare)
    sida.set_viewport_size({"width": 390, "height": 844})
    sida.goto("/arenden/inkorg/")
    assert sida.evaluate("document.documentElement.scrollWidth") <= 390
    rad = sida.get_by_role("row").filter(has_text=a.case_id)
    lank = rad.get_by_role("link", name=f"Öppna remissen i ärende {a.case_id}")
    for synlig in (lank, rad.get_by_text("Ej kvitterad")):
        box = synlig.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    lank.click()
    assert sida.locator("#remiss-namn").inner_text() == a.identitet.namn
    # The envelope's heading keeps the case ID on one line ("VF-" and the rest were on two at 390 px).
    rubrik = sida.locator("#remiss-rubrik .nowrap")
    assert rubrik.inner_text() == a.case_id and rubrik.evaluate(EN_RAD) == 1
    assert sida.evaluate("document.documentElement.scrollWidth") <= 390
    assert verkliga_fel(sida) == []


def test_on_a_phone_a_received_envelopes_time_stays_on_one_line(sida, overford, mottagare, mottagare_uppdrag):
    """ "Mottagen 2026-12-07 16:28" broke inside the date ("2026-12-" and "07") in the inbox's status column."""
    a, o = overford
    remisskuvert.kvittera(overforing=o, anvandare=mottagare, uppdrag=mottagare_uppdrag)
    logga_in(sida, mottagare)
    sida.set_viewport_size({"width": 390, "height": 844})
    sida.goto("/arenden/inkorg/")
    tid = sida.get_by_role("row").filter(has_text=a.case_id).locator(".badge .nowrap")
    assert tid.inner_text()[:4].isdigit() and tid.evaluate(EN_RAD) == 1


def test_the_unit_confirms_only_after_opening_and_acknowledging_the_envelope(sida, overford, mottagare):
    """Issue 16: before the receipt the case page offers no confirmation but points to the inbox, and a confirmation
    posted anyway answers 409 in place with that message; after the envelope is opened and acknowledged the unit
    confirms from the case page."""
    a, _ = overford
    logga_in(sida, mottagare)
    sida.goto(f"/arenden/{a.case_id}/")
    assert sida.get_by_role("button", name="Bekräfta remissen").count() == 0
    assert "Öppna remissen i inkorgen och kvittera den först" in sida.locator("#vantar-bekrafta").inner_text()
    # A confirmation posted before the receipt (a stale or crafted request) is refused in place.
    svar: list[int] = []
    sida.on("response", lambda r: svar.append(r.status) if "/atgard/" in r.url else None)
    sida.evaluate(
        """([url, version]) => htmx.ajax('POST', url, {source: '#arende', target: '#arende', swap: 'outerHTML',
            values: {'bekrafta-version': version, 'bekrafta-planerat_datum': '2030-01-15'}})""",
        [f"/arenden/{a.case_id}/atgard/bekrafta/", str(a.version)],
    )
    sida.get_by_role("alert").filter(has_text="Remissen är inte kvitterad än").wait_for()
    assert svar == [409]
    a.refresh_from_db()
    assert a.status == Status.REMISS_SKICKAD

    sida.get_by_role("link", name="Till inkorgen").click()
    sida.get_by_role("row").filter(has_text=a.case_id).get_by_role("link").click()
    assert sida.locator("#remiss-namn").inner_text() == a.identitet.namn
    assert _kvittera(sida) is not None
    sida.get_by_role("status").filter(has_text="kvitterad som mottagen").wait_for()
    sida.get_by_role("link", name="bekräfta remissen på ärendesidan").click()
    sida.get_by_label("Planerat datum").fill((timezone.localdate() + timedelta(days=7)).isoformat())
    sida.get_by_role("button", name="Bekräfta remissen").click()
    sida.get_by_text("Remissen är bekräftad.").wait_for()
    a.refresh_from_db()
    assert a.status == Status.BEKRAFTAD and a.overforingar.get().mottagen is not None
    assert verkliga_fel(sida) == []
