"""Browser journey: a coordinator narrows the follow-up page (HTMX swap, URL updated) and downloads a table."""

import csv
import io
from pathlib import Path

import pytest

from arenden import services
from katalog.models import KvaGrupp
from vardformedling.models import Medarbetaruppdrag, Region, Roll, User
from vardformedling.personnummer import make_test_number

pytestmark = pytest.mark.browser


def _tre_arenden() -> None:
    from django.utils import timezone

    karin = User.objects.get(hsa_id="SE2321000057-KO01")
    uppdrag = Medarbetaruppdrag.objects.get(user=karin, roll=Roll.KOORDINATOR)
    for i, kva in enumerate(["NGB", "NGB", "CJE"]):
        services.arende_registrera(
            anvandare=karin,
            uppdrag=uppdrag,
            region=Region.objects.get(kod="06"),
            personnummer=make_test_number(1950, 5, 6, 300 + i),
            namn="Webb Läsare",
            kva=KvaGrupp.objects.get(kod=kva),
            beslutsdatum=timezone.localdate(),
            tillat_dubblett=True,
        )


def test_coordinator_filters_the_page_and_downloads_a_table(page, login, demo_identities):
    _tre_arenden()
    login(page, "SE2321000057-KO01")
    page.goto("/uppfoljning/")
    rad = page.locator("#t-nyckeltal ~ div tr", has_text="Registrerade ärenden")
    assert rad.locator("td").first.inner_text() == "3"
    page.select_option("#f-kva", "CJE")
    page.wait_for_url("**kva=CJE**")
    rad = page.locator("#t-nyckeltal ~ div tr", has_text="Registrerade ärenden")
    assert rad.locator("td").first.inner_text() == "1"
    assert page.locator("svg[role=img] title").count() >= 3
    with page.expect_download() as dl:
        page.locator("section[aria-labelledby=t-nyckeltal] a", has_text="CSV").click()
    text = Path(dl.value.path()).read_text(encoding="utf-8").lstrip("\ufeff")
    rader = {r[0]: r[1] for r in csv.reader(io.StringIO(text), delimiter=";") if r}
    assert rader["Registrerade ärenden"] == "<5"  # exports suppress small counts
    assert "Webb Läsare" not in text
    assert page.console_errors == []


JUSTERING = """([rubrik, rad]) => {
  const t = [...document.querySelectorAll("section[aria-labelledby=t-nyckeltal] table")][0];
  const i = [...t.tHead.rows[0].cells].findIndex((c) => c.textContent.trim() === rubrik);
  const r = [...t.tBodies[0].rows].find((r) => r.cells[0].textContent.trim() === rad);
  return [getComputedStyle(t.tHead.rows[0].cells[i]).textAlign, getComputedStyle(r.cells[i]).textAlign];
}"""


@pytest.mark.parametrize("bredd", [1366, 390])
def test_text_columns_are_left_aligned_and_number_columns_right_with_their_headings(
    page, login, demo_identities, bredd, tmp_path
):
    """Review finding: every heading but the first was right-aligned, the text column "Förklaring" too."""
    _tre_arenden()
    page.set_viewport_size({"width": bredd, "height": 900})
    login(page, "SE2321000057-KO01")
    page.goto("/uppfoljning/")
    assert page.evaluate(JUSTERING, ["Förklaring", "Registrerade ärenden"]) == ["left", "left"]
    assert page.evaluate(JUSTERING, ["Värde", "Registrerade ärenden"]) == ["right", "right"]
    assert page.evaluate(JUSTERING, ["Mått", "Registrerade ärenden"]) == ["left", "left"]
    # Every table on the page: a heading is aligned like the cells of its column.
    fel = page.evaluate("""() => {
      const fel = [];
      for (const t of document.querySelectorAll("#uppfoljning-resultat table")) {
        const rubriker = [...t.tHead.rows[0].cells];
        for (const r of t.tBodies[0].rows) {
          rubriker.forEach((h, i) => {
            const c = r.cells[i];
            if (c && c.textContent.trim() && getComputedStyle(c).textAlign !== getComputedStyle(h).textAlign)
              fel.push(`${h.textContent.trim()}: ${c.textContent.trim()}`);
          });
        }
      }
      return fel;
    }""")
    assert fel == []
    page.screenshot(path=str(tmp_path / f"uppfoljning-{bredd}.png"), full_page=True)
    for nyckel in ("nyckeltal", "kallor", "tider"):  # for a look at the alignment (pytest --basetemp=…)
        page.locator(f"section[aria-labelledby=t-{nyckel}]").screenshot(path=str(tmp_path / f"{nyckel}-{bredd}.png"))
    assert page.console_errors == []
