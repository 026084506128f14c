"""Accessibility audit: axe-core (npm registry, node_modules/) finds no serious or critical WCAG 2.1 AA
violations on the main pages, for the role that uses each page, in every state a user sees them: the login page
and its lockout, every page of the menu, a case, a new offer and its letter, an agreement, an agreement file in
preview and after confirmation, and the 403 and 404 pages. Runs on the full demo data set; a page that cannot be
reached (no link, no such case in the demo data) fails the test rather than being skipped."""

from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command

from arenden.models import Arende, Erbjudande, PatientMeddelande, Status
from avtal.models import Avtal
from katalog.models import Vardenhet
from tests.avtal.conftest import csv_bytes, rad

pytestmark = [pytest.mark.browser]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
VERA, KARIN, ADAM, MONA = "SE2321000180-VL01", "SE2321000057-KO01", "SE2321000016-AD01", "SE5560000001-MO01"

KATALOG_SAMPLE = Path(__file__).resolve().parents[1] / "robustness" / "samples" / "katalog_20261120.csv"
PAGES = {
    VERA: [
        "/",
        "/katalog/sok/?kva=CJE",
        "/katalog/enheter/SE5560000001-OGON02/",
        "/katalog/kapacitet/",
        "/katalog/kapacitet/ny/",
        "/lagesbild/?kva=CJE&period=90&niva=enhet",
        "/lagesbild/enheter/SE5560000001-OGON02/",
        "/lagesbild/vantetider/",
        "/avtal/",
        "/arenden/",
        "/arenden/nytt/",
        "/avtal/uppladdning/",  # 403: a navigator may not upload agreements
        "/arenden/VF-2026-20-999999-0/",  # 404
        "/finns-inte/",  # 404
    ],
    KARIN: ["/uppfoljning/", "/arenden/logg/", "/arenden/patientmallar/", "/leveransplaner/"],
    ADAM: [
        "/avtal/uppladdning/",
        "/lagesbild/importer/",
        "/katalog/import/",
        "/leveransplaner/uppladdning/",
        "/arenden/",  # 403
    ],
    MONA: ["/arenden/", "/arenden/inkorg/", "/leveransplaner/"],
}


def _audit(page, url: str | None = None) -> list[str]:
    """axe on `url`, or on the page as it is now."""
    if url:
        page.goto(url)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    where = url or page.url
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']} – {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def axe_page(_browser, live_server, settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Injecting axe needs an inline script, which our CSP forbids; the audit context bypasses CSP only here.
    context = _browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def _login_and_lockout(page) -> list[str]:
    """The login page, then five failed sign-ins with another HSA-id: the lockout page."""
    problems = _audit(page, "/login/")
    for _ in range(5):
        page.goto("/login/")
        page.get_by_text("Annat HSA-id").click()
        page.get_by_label("HSA-id").fill("SE0000000000-AXE")
        page.get_by_role("button", name="Logga in", exact=True).click()
        page.wait_for_load_state()
    assert page.get_by_role("heading", name="För många misslyckade inloggningar").is_visible()
    return problems + _audit(page)


def _first_case_page(page, who: str) -> list[str]:
    page.goto("/arenden/?flik=region" if who == VERA else "/arenden/")
    link = page.locator("main a[href^='/arenden/VF-']").first
    assert link.count(), f"{who}: arbetslistan visar inget ärende att granska"
    return _audit(page, link.get_attribute("href"))


def _first_envelope(page) -> list[str]:
    """The receiving unit's first envelope, opened from its inbox (identity, referral and the receipt form)."""
    page.goto("/arenden/inkorg/")
    link = page.locator("main a[href^='/arenden/inkorg/']").first
    assert link.count(), "inkorgen visar ingen remiss att granska"
    return _audit(page, link.get_attribute("href"))


def _case_pages(page) -> list[str]:
    """A new offer for a case in step 2, and an offer letter, of Vera's region."""
    steg2 = Arende.objects.filter(region_id="20", status=Status.HITTA_VARDGIVARE).first()
    brev = Erbjudande.objects.filter(arende__region_id="20").select_related("arende").first()
    assert steg2 and brev, "demodata saknar ärende i steg 2 eller erbjudande i region 20"
    # Issue 18: the postal-task case (its page and the letter listing both offered units) and a confirmation.
    post = Erbjudande.objects.vantar_pa_post().filter(arende__region_id="20").select_related("arende").first()
    bekraftelse = PatientMeddelande.objects.filter(arende__region_id="20", typ="remissbekraftelse").first()
    assert post and bekraftelse, "demodata saknar postuppgift eller remissbekräftelse i region 20"
    return (
        _audit(page, f"/arenden/{steg2.case_id}/erbjudanden/nytt/")
        + _audit(page, f"/arenden/{brev.arende.case_id}/erbjudanden/{brev.pk}/brev/")
        + _audit(page, f"/arenden/{post.arende.case_id}/")
        + _audit(page, f"/arenden/{post.arende.case_id}/erbjudanden/{post.pk}/brev/")
        + _audit(page, f"/arenden/{bekraftelse.arende.case_id}/meddelanden/{bekraftelse.pk}/")
    )


def _agreement_upload(page, tmp_path) -> list[str]:
    """An agreement file in preview, then confirmed; and the agreement it created."""
    enhet = Vardenhet.objects.select_related("vardgivare").get(hsa_id="SE5560000001-OGON02")
    fil = tmp_path / "avtal.csv"
    fil.write_bytes(
        csv_bytes([rad(avtal_id="AXE 2026/1", vardgivare_orgnr=enhet.vardgivare.orgnr, vardenhet_hsaid=enhet.hsa_id)])
    )
    page.goto("/avtal/uppladdning/")
    page.get_by_label("Avtalsfil (CSV eller XLSX)").set_input_files(str(fil))
    page.get_by_role("button", name="Kontrollera filen").click()
    page.get_by_text("Förhandsgranskning – inget är sparat ännu").wait_for()
    problems = _audit(page)
    page.get_by_role("button", name="Bekräfta och tillämpa").click()
    page.get_by_text("är tillämpad").wait_for()
    return problems + _audit(page)


def _catalogue_upload(page) -> list[str]:
    """The shared sample catalogue on the demo: its preview, the refused confirmation (422) and the cancelled file."""
    page.goto("/katalog/import/")
    page.get_by_label("Katalogutdrag (CSV eller XLSX)").set_input_files(str(KATALOG_SAMPLE))
    page.get_by_role("button", name="Kontrollera filen").click()
    page.get_by_text("Förhandsgranskning – inget är sparat ännu").wait_for()
    problems = _audit(page)
    page.get_by_role("button", name="Bekräfta och läs in").click()
    page.get_by_role("alert").get_by_text("Filen skulle inaktivera").wait_for()
    problems += _audit(page)
    page.get_by_role("button", name="Avbryt inläsningen").click()
    page.get_by_text("är avbruten; ingenting har ändrats").wait_for()
    return problems + _audit(page)


def test_main_pages_have_no_serious_or_critical_violations(axe_page, login, transactional_db, tmp_path):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    avtal = Avtal.objects.filter(avtalsagare_id="20").order_by("avtal_id").first()
    assert avtal, "demodata saknar avtal"
    problems = _login_and_lockout(axe_page)
    for hsa_id, urls in PAGES.items():
        axe_page.context.clear_cookies()
        login(axe_page, hsa_id)
        for url in urls:
            problems += _audit(axe_page, url)
        if hsa_id == VERA:
            problems += _first_case_page(axe_page, VERA)
            problems += _case_pages(axe_page)
            problems += _audit(axe_page, f"/avtal/{quote(avtal.avtal_id)}/")
        if hsa_id == MONA:
            problems += _first_case_page(axe_page, MONA)
            problems += _first_envelope(axe_page)
        if hsa_id == ADAM:
            problems += _agreement_upload(axe_page, tmp_path)
            problems += _catalogue_upload(axe_page)
    assert problems == []
