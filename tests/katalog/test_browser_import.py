"""With JavaScript on, every upload page shows its errors (answered 422) and its preview, confirm and cancel steps."""

from pathlib import Path

import pytest

from avtal.models import AvtalsUppladdning, Uppladdningsstatus
from katalog.models import Vardenhet
from tests.katalog.test_importer import ROW_A, ROW_B, csv_bytes

pytestmark = pytest.mark.browser

SAMPLES = Path(__file__).resolve().parents[1] / "robustness" / "samples"  # = shared/samples
ADMIN = "SE2321000016-AD01"


def _inga_andra_konsolfel(page) -> None:
    """A 422 page is logged by Chromium as a failed resource; nothing else may be."""
    assert [m for m in page.console_errors if "status of 422" not in m] == []


def test_catalogue_errors_preview_refused_and_confirmed_deactivation(page, login, demo_identities, tmp_path):
    import katalog.demo

    katalog.demo.load()
    aktiva = Vardenhet.objects.filter(aktiv=True, kalla=Vardenhet.Kalla.KATALOG).count()
    bad = tmp_path / "katalog_fel.csv"
    bad.write_bytes(csv_bytes(ROW_B, ROW_A.replace(";3;ja", ";7;ja")))
    login(page, ADMIN)

    page.goto("/katalog/import/")
    page.get_by_label("Katalogutdrag (CSV eller XLSX)").set_input_files(str(bad))
    with page.expect_response("**/katalog/import/") as svar:
        page.get_by_role("button", name="Kontrollera filen").click()
    assert svar.value.status == 422
    page.get_by_text("Filen avvisades – ingenting har ändrats").wait_for()
    assert page.get_by_text("rad 3, kolumn tar_emot_asa: ”7” ska vara en ASA-klass 1–4.").is_visible()

    page.get_by_label("Katalogutdrag (CSV eller XLSX)").set_input_files(str(SAMPLES / "katalog_20261120.csv"))
    page.get_by_role("button", name="Kontrollera filen").click()
    page.get_by_text("Förhandsgranskning – inget är sparat ännu").wait_for()
    saknas = aktiva - 2
    assert page.get_by_role("heading", name=f"Inaktiveras – saknas i filen ({saknas})").is_visible()

    with page.expect_response("**/bekrafta/") as svar:
        page.get_by_role("button", name="Bekräfta och läs in").click()
    assert svar.value.status == 422
    page.get_by_role("alert").get_by_text(f"Filen skulle inaktivera {saknas} av {aktiva} aktiva vårdenheter").wait_for()
    assert Vardenhet.objects.filter(aktiv=True, kalla=Vardenhet.Kalla.KATALOG).count() == aktiva

    page.get_by_label(f"Ja, inaktivera {saknas} av {aktiva} aktiva vårdenheter").check()
    page.get_by_role("button", name="Bekräfta och läs in").click()
    page.get_by_text("Katalogutdraget katalog_20261120.csv är inläst.").wait_for()
    assert Vardenhet.objects.filter(aktiv=True, kalla=Vardenhet.Kalla.KATALOG).count() == 2
    _inga_andra_konsolfel(page)


def test_a_cancelled_agreement_upload_is_listed_as_cancelled(page, login, demo_identities):
    import katalog.demo

    katalog.demo.load()
    login(page, ADMIN)
    page.goto("/avtal/uppladdning/")
    page.get_by_label("Avtalsfil (CSV eller XLSX)").set_input_files(str(SAMPLES / "avtal_20261120.csv"))
    page.get_by_role("button", name="Kontrollera filen").click()
    page.get_by_text("Förhandsgranskning – inget är sparat ännu").wait_for()
    page.get_by_role("button", name="Avbryt uppladdningen").click()
    page.get_by_text("är avbruten; ingenting har ändrats").wait_for()
    rad = page.get_by_role("row").filter(has_text="avtal_20261120.csv")
    assert rad.get_by_role("cell", name="Avbruten").is_visible()
    assert AvtalsUppladdning.objects.get().status == Uppladdningsstatus.AVBRUTEN
    _inga_andra_konsolfel(page)


def test_a_workbook_uploaded_as_a_register_file_is_refused_on_screen(page, login, demo_identities, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["uttagsdatum", "region_kod"])
    fil = tmp_path / "spor_vantetider_20261120.csv"
    wb.save(fil)
    login(page, ADMIN)
    page.goto("/lagesbild/importer/")
    page.get_by_label("Fil (SPOR, NCR eller Väntetidsdatabasen, CSV)").set_input_files(str(fil))
    with page.expect_response("**/ladda-upp/") as svar:
        page.get_by_role("button", name="Ladda upp och läs in").click()
    assert svar.value.status == 422
    page.get_by_text("Filen är en Excel-arbetsbok eller zip-fil, inte CSV.").wait_for()
    _inga_andra_konsolfel(page)
