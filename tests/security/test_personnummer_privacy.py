"""Personnummer never leaves the server in URLs, browser storage, logs or SDK file names (browser test), and
htmx keeps no copy of a patient page in the browser's storage (historyCacheSize 0)."""

import logging
from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.browser

PNR_FORMS = ["19121212-1212", "191212121212", "121212-1212", "1212121212"]


def test_personnummer_is_not_in_urls_storage_logs_or_file_names(page, login, demo_identities, caplog, settings):
    caplog.set_level(logging.DEBUG)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))

    login(page, "SE2321000180-VL01")
    page.goto("/arenden/nytt/")
    page.get_by_label("Personnummer eller samordningsnummer").fill("19121212-1212")
    page.locator("#id_namn").fill("Tolvan Tolvansson")
    page.get_by_label("Önskad kontaktväg").select_option("telefon")
    page.get_by_label("KVÅ-grupp (vårdtjänst)").select_option("CJE")
    page.get_by_label("Beslut om behandling").fill((date.today() - timedelta(days=70)).isoformat())
    page.get_by_role("button", name="Registrera ärendet").click()
    page.wait_for_url("**/arenden/VF-*/")
    case_url = page.url
    # Worklist (masked), search by case ID, and back to the case page.
    page.goto("/arenden/")
    listing = page.locator("main").inner_text()
    assert "19121212-1212" not in listing and "191212121212" not in listing
    case_id = case_url.rstrip("/").rsplit("/", 1)[-1]
    page.goto("/arenden/?q=" + case_id)
    # The search by personnummer is the POST form (htmx, no pushed URL): the case is found, the number in no URL.
    page.goto("/arenden/")
    page.get_by_label("Personnummer", exact=True).fill("19121212-1212")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/arenden/")):
        page.get_by_role("button", name="Sök på personnummer").click()
    assert case_id in page.locator("#resultat").inner_text()
    assert page.url.endswith("/arenden/")
    page.goto(case_url)

    # An HTMX navigation that pushes a URL (the worklist filter) and back: with a history cache htmx would put a
    # copy of the worklist, with the patient's name, in the browser's storage before swapping.
    page.goto("/arenden/?flik=region")
    assert "Tolvan Tolvansson" in page.locator("#resultat").inner_text()
    assert page.evaluate("() => htmx.config.historyCacheSize") == 0
    with page.expect_response(lambda r: "status=alla" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Status").select_option("alla")
    page.wait_for_url("**status=alla**")
    page.go_back()
    page.wait_for_url("**/arenden/?flik=region")
    page.locator("#resultat").wait_for()

    storage = page.evaluate("() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    assert "htmx-history-cache" not in storage
    assert "Tolvan" not in storage
    logged = "\n".join(r.getMessage() for r in caplog.records)
    files = [p.name for p in settings.SDK_OUTBOX.rglob("*")] if settings.SDK_OUTBOX.exists() else []
    for pnr in PNR_FORMS:
        assert not any(pnr in u for u in urls), f"{pnr} in a URL"
        assert pnr not in storage
        assert pnr not in logged
        assert not any(pnr in f for f in files)
    assert len(urls) > 5
