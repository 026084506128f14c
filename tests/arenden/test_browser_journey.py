"""The whole journey in Chromium: a navigator registers, finds a provider, offers, records acceptance and
transfers; the receiving unit confirms and performs; the coordinator follows up and closes."""

from datetime import date, timedelta

import pytest

from arenden.models import Arende, Atkomstlogg, Status
from avtal.models import Avtal, Avtalsrad
from katalog.models import KvaGrupp, Vardenhet
from vardformedling.models import Medarbetaruppdrag, Region, Roll, User

pytestmark = pytest.mark.browser


@pytest.fixture
def avtalsrad(demo_identities):
    enhet = Vardenhet.objects.get(hsa_id="SE5560000001-OGON02")
    idag = date.today()
    avtal = Avtal.objects.create(
        avtalsagare=Region.objects.get(kod="20"),
        avtal_id="RD TEST/1",
        vardgivare=enhet.vardgivare,
        avtalstyp="upphandlat",
        giltig_fran=idag - timedelta(days=30),
        giltig_till=idag + timedelta(days=300),
        far_nyttjas_av_alla=True,
    )
    return Avtalsrad.objects.create(avtal=avtal, kva=KvaGrupp.objects.get(kod="CJE"), pris_kr=12345, takvolym=10)


def test_whole_brokering_journey(page, login, avtalsrad):
    # Step 1: Vera Lots registers and assesses the case.
    login(page, "SE2321000180-VL01")
    page.goto("/arenden/nytt/")
    page.get_by_label("Personnummer eller samordningsnummer").fill("19121212-1212")
    page.locator("#id_namn").fill("Tolvan Tolvansson")
    page.get_by_label("Önskad kontaktväg").select_option("telefon")
    page.get_by_label("KVÅ-grupp (vårdtjänst)").select_option("CJE")
    page.get_by_label("ASA-klass").select_option("2")
    page.get_by_label("Beslut om behandling").fill((date.today() - timedelta(days=70)).isoformat())
    page.get_by_label("Lämplig för vårdförmedling").select_option("ja")
    page.get_by_role("button", name="Registrera ärendet").click()
    page.wait_for_url("**/arenden/VF-*/")
    arende = Arende.objects.get()
    assert "1912121212" not in page.url
    assert page.locator("[aria-current=step]").inner_text().startswith("2")

    # Step 2: find a provider from the case, offer, record the patient's yes.
    page.get_by_role("link", name="Hitta vårdgivare för ärendet").click()
    page.wait_for_url("**/katalog/sok/**")
    page.locator("a[href*='vardenhet=SE5560000001-OGON02']").first.click()
    page.wait_for_url("**/erbjudanden/nytt/**")
    assert page.get_by_label("Vårdenhet (HSA-id)").input_value() == "SE5560000001-OGON02"
    page.get_by_label("Avtalsrad").select_option(str(avtalsrad.pk))
    page.get_by_role("button", name="Registrera erbjudande").click()
    page.wait_for_url(f"**/arenden/{arende.case_id}/")
    page.get_by_text("Registrera svar").click()
    page.get_by_label("Ja, tackar ja").check()
    page.get_by_role("button", name="Spara svar").click()
    page.get_by_text("Patientens svar är registrerat.").wait_for()

    # Step 3: transfer through SDK.
    page.get_by_role("button", name="Skicka remiss och underlag").click()
    page.get_by_text("Remissen är skickad via SDK").wait_for()
    assert Arende.objects.get().status == Status.REMISS_SKICKAD

    # Receiving unit: open the envelope in the inbox and acknowledge it, then confirm and perform.
    page.context.clear_cookies()
    login(page, "SE5560000001-MO01")
    page.goto("/arenden/inkorg/")
    page.get_by_role("link", name=f"Öppna remissen i ärende {arende.case_id}").click()
    page.get_by_role("button", name="Kvittera mottagen remiss").click()
    page.get_by_role("status").filter(has_text="kvitterad som mottagen").wait_for()
    page.goto("/arenden/")
    page.get_by_role("link", name=arende.case_id).click()
    page.get_by_label("Planerat datum").fill((date.today() + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Bekräfta remissen").click()
    page.get_by_text("Remissen är bekräftad.").wait_for()
    page.get_by_label("Utförd datum").fill(date.today().isoformat())
    page.get_by_role("button", name="Registrera utförd vård").click()
    page.get_by_text("Vården är registrerad som utförd.").wait_for()
    page.get_by_role("button", name="Återremittera till hemregionen").click()
    page.get_by_text("återremitterad").first.wait_for()

    # Step 5: a coordinator of region 20 follows up and closes.
    karin = User.objects.get(hsa_id="SE2321000057-KO01")
    uppdrag = Medarbetaruppdrag.objects.create(user=karin, roll=Roll.KOORDINATOR, region_id="20")
    page.context.clear_cookies()
    login(page, "SE2321000057-KO01")
    page.locator("#uppdrag-val").select_option(str(uppdrag.pk))
    page.get_by_role("button", name="Byt").click()  # choosing alone changes nothing (WCAG 3.2.2)
    page.wait_for_load_state("networkidle")
    page.goto(f"/arenden/{arende.case_id}/")
    assert page.get_by_label("Fakturabelopp (kr)").input_value() in ("12345.00", "12345,00", "12345")
    page.get_by_label("Patientens upplevelse").select_option("5")
    page.get_by_role("button", name="Spara uppföljning").click()
    page.get_by_text("Uppföljningen är sparad.").wait_for()
    page.get_by_role("button", name="Avsluta ärendet").click()
    page.get_by_text("Ärendet är avslutat.").wait_for()

    arende.refresh_from_db()
    assert arende.status == Status.AVSLUTAD and arende.faktura_belopp == 12345
    assert Atkomstlogg.objects.filter(case_id=arende.case_id, hsa_id="SE5560000001-MO01").exists()
    assert page.console_errors == []
