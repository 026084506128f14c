"""An administrator uploads a file with one error, fixes it, sees the preview and confirms."""

import pytest

from avtal.models import Avtal
from tests.avtal.conftest import csv_bytes, rad

pytestmark = pytest.mark.browser


def test_upload_with_error_then_fixed_file_preview_and_confirm(page, login, demo_identities, tmp_path):
    demo = {"vardgivare_orgnr": "556000-0001", "vardenhet_hsaid": "SE5560000001-OGON02", "avtal_id": "RU 2026/9"}
    fel = tmp_path / "avtal.csv"
    fel.write_bytes(csv_bytes([rad(**demo), rad(**demo, kva_grupp="CJC", giltig_till="2026-02-30")]))
    ratt = tmp_path / "avtal_ratt.csv"
    ratt.write_bytes(csv_bytes([rad(**demo), rad(**demo, kva_grupp="CJC")]))

    login(page, "SE2321000016-AD01")
    page.goto("/avtal/uppladdning/")
    page.get_by_label("Avtalsfil (CSV eller XLSX)").set_input_files(str(fel))
    page.get_by_role("button", name="Kontrollera filen").click()
    page.get_by_text("Filen avvisades – ingenting har ändrats").wait_for()
    assert page.get_by_text("rad 3, kolumn giltig_till: ”2026-02-30” är inte ett datum").is_visible()
    assert Avtal.objects.count() == 0

    page.get_by_label("Avtalsfil (CSV eller XLSX)").set_input_files(str(ratt))
    page.get_by_role("button", name="Kontrollera filen").click()
    page.get_by_text("Förhandsgranskning – inget är sparat ännu").wait_for()
    assert page.get_by_role("cell", name="RU 2026/9").is_visible()
    assert Avtal.objects.count() == 0

    page.get_by_role("button", name="Bekräfta och tillämpa").click()
    page.get_by_text("är tillämpad").wait_for()
    assert Avtal.objects.get().rader.count() == 2
    page.goto("/avtal/")
    page.get_by_role("link", name="RU 2026/9").click()
    page.get_by_role("heading", name="Vårdtjänster, priser och volym").wait_for()
    assert page.console_errors == []


def test_list_filters_update_in_place_with_htmx(page, login, demo_identities):
    import avtal.demo

    avtal.demo.load()
    login(page, "SE2321000180-VL01")
    page.goto("/avtal/")
    total = page.locator(".avtal-antal").inner_text()
    page.get_by_label("Giltighet").select_option("upphort")
    page.wait_for_url("**status=upphort**")
    assert page.locator(".avtal-antal").inner_text() != total
    assert page.get_by_role("link", name="RS 2023/0401").is_visible()
    page.get_by_role("link", name="RS 2023/0401").click()
    page.get_by_text("Upphört", exact=True).first.wait_for()
    assert page.console_errors == []
