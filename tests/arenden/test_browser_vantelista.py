"""Issue 17's journey in Chromium: a coordinator uploads the region's waiting list (a bad file first: 422), confirms
it, creates cases for everyone at risk, asks for a proposal and sends the offers (nothing chosen first: 422)."""

from datetime import date, timedelta

import pytest

from arenden import services
from arenden.models import Arende, Erbjudande, Kalla, Status
from avtal.models import Avtal, Avtalsrad, Volymreservation
from katalog.models import KvaGrupp, Vardenhet
from vardformedling.models import Medarbetaruppdrag, Region, User
from vardformedling.personnummer import make_test_number

pytestmark = pytest.mark.browser

RUBRIK = "region_kod;vardenhet_hsaid;personnummer;fornamn;efternamn;kva_grupp;beslutsdatum;asa"


@pytest.fixture
def avtalsrad(demo_identities):
    enhet = Vardenhet.objects.get(hsa_id="SE5560000001-OGON02")
    idag = date.today()
    avtal = Avtal.objects.create(
        avtalsagare=Region.objects.get(kod="06"),
        avtal_id="RJL TEST/17",
        vardgivare=enhet.vardgivare,
        avtalstyp="upphandlat",
        giltig_fran=idag - timedelta(days=30),
        giltig_till=idag + timedelta(days=300),
        far_nyttjas_av_alla=True,
    )
    return Avtalsrad.objects.create(avtal=avtal, kva=KvaGrupp.objects.get(kod="CJE"), pris_kr=9800, takvolym=5)


def lista(tmp_path, rader, namn="lista.csv"):
    path = tmp_path / namn
    path.write_text(RUBRIK + "\n" + "\n".join(rader) + "\n", encoding="utf-8")
    return str(path)


def test_upload_select_at_risk_cases_proposal_offers(page, login, avtalsrad, tmp_path):
    idag = date.today()
    gammalt, nytt = (idag - timedelta(days=120)).isoformat(), (idag - timedelta(days=5)).isoformat()
    rader = [
        f"06;SE2321000057-OGON01;{make_test_number(1940, 5, 5, 1)};Astrid;Ek;CJE;{gammalt};2",
        f"06;SE2321000057-OGON01;{make_test_number(1941, 6, 6, 2)};Bertil;Ask;CJE;{gammalt};2",
        f"06;SE2321000057-OGON01;{make_test_number(1942, 7, 7, 3)};Cecilia;Alm;CJE;{nytt};1",
    ]
    login(page, "SE2321000057-KO01")
    page.goto("/arenden/vantelista/")
    # A file with another region's row: 422, every message shown, nothing kept.
    page.get_by_label("Väntelista (CSV eller XLSX)").set_input_files(lista(tmp_path, ["20" + rader[0][2:]], "fel.csv"))
    with page.expect_response(lambda r: r.request.method == "POST") as svar:
        page.get_by_role("button", name="Kontrollera filen").click()
    assert svar.value.status == 422
    assert "rad 2, kolumn region_kod" in page.locator("#importfel").inner_text()
    # The real list: preview, confirm.
    page.get_by_label("Väntelista (CSV eller XLSX)").set_input_files(lista(tmp_path, rader))
    page.get_by_role("button", name="Kontrollera filen").click()
    page.wait_for_url("**/vantelista/uppladdning/**")
    assert "Nya listor (1)" in page.content()
    page.get_by_role("button", name="Bekräfta och läs in").click()
    page.wait_for_url("**/arenden/vantelista/")
    assert "Väntelistan är inläst: 3 patienter" in page.content()
    # Default view: the two whose guarantee has passed.
    tabell = page.locator("#patienter")
    assert tabell.get_by_text("har passerat vårdgarantin").count() == 2
    assert "Cecilia" not in tabell.inner_text()
    # Nothing ticked: 422.
    with page.expect_response(lambda r: r.request.method == "POST") as svar:
        page.get_by_role("button", name="Skapa ärenden för valda").click()
    assert svar.value.status == 422
    page.get_by_role("button", name="Skapa ärenden för alla i risk").click()
    page.wait_for_load_state()
    assert "2 ärenden skapade" in page.locator("#skapat").inner_text()
    arenden = list(Arende.objects.order_by("pk"))
    assert [a.kalla for a in arenden] == [Kalla.VANTELISTA] * 2
    # Step 1 → 2 (assessment) through the service, then the bulk proposal.
    user = User.objects.get(hsa_id="SE2321000057-KO01")
    uppdrag = Medarbetaruppdrag.objects.filter(user=user, roll="koordinator").first()
    for a in arenden:
        services.arende_bedom(arende=a, anvandare=user, uppdrag=uppdrag, lamplig=True)
    page.goto("/katalog/fordelning/")
    page.get_by_label("KVÅ-grupp").select_option("CJE")
    page.get_by_role("button", name="Föreslå fördelning").click()
    page.wait_for_url("**/katalog/fordelning/?kva=CJE")
    assert "Förslag för CJE: 2 patienter av 2" in page.content()
    # Choosing nothing for every row: 422.
    for select in page.locator("select[name^='val_']").all():
        select.select_option("")
    with page.expect_response(lambda r: r.request.method == "POST") as svar:
        page.get_by_role("button", name="Skicka erbjudanden").click()
    assert svar.value.status == 422
    assert "Välj minst en enhet" in page.locator("#fordelning-fel").inner_text()
    page.go_back()
    page.get_by_role("button", name="Föreslå fördelning").click()
    page.get_by_role("button", name="Skicka erbjudanden").click()
    page.wait_for_load_state()
    assert "2 erbjudanden skickade" in page.locator("#skickat").inner_text()
    assert Erbjudande.objects.filter(status=Erbjudande.Status.LAMNAT).count() == 2
    assert Volymreservation.objects.filter(rad=avtalsrad).count() == 2
    assert all(a.status == Status.HITTA_VARDGIVARE for a in Arende.objects.all())
    # The only console errors are the browser's notes on the two deliberate 422 answers.
    assert [e for e in page.console_errors if "status of 422" not in e] == []
