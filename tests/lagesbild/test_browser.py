"""A navigator compares units for cataract surgery (CJE) over 90 days and opens one unit, in a real browser."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lagesbild.importers import importera_fil
from tests.lagesbild.helpers import NCR_HEADER, SPOR_HEADER, VT_HEADER, write

pytestmark = pytest.mark.browser

# (hsa_id, name, region, 90-day median) – deliberately not in median order in the file
ENHETER = [
    ("SE2321000206-OGON01", "Ögonsektionen Sundsvalls sjukhus", "22", 164),
    ("SE5560000001-OGON02", "Demo Ögonklinik Uppsala", "03", 34),
    ("SE5563334440-OGON01", "Synkliniken Göteborg", "14", 20),
    ("SE2321000180-OGON01", "Ögonkliniken Falu lasarett", "20", 95),
]


def _ncr_fil(folder, datum, extra=()):
    manad = (datum.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    rows = []
    for hsa, namn, region, median in ENHETER:
        rows.append(f"{datum};{region};{hsa};{namn};CJE;90d;alla;300;{median};{median * 2};50,0")
        rows.append(f"{datum};{region};{hsa};{namn};CJE;30d;alla;100;{median + 10};{median * 2};40,0")
        rows.append(f"{datum};{region};{hsa};{namn};CJE;{manad};alla;100;{median + 3};{median * 2};45,5")
    rows.append(f"{datum};00;;;CJE;90d;alla;21304;78;190;58,9")
    rows.append(f"{datum};00;;;CJE;{manad};alla;7000;80;190;58,0")
    return write(folder, "ncr_vantetider.csv", NCR_HEADER, [*rows, *extra])


def test_a_navigator_compares_units_for_cje_over_90_days_and_opens_one(page, login, demo_identities, tmp_path):
    datum = timezone.localdate() - timedelta(days=1)
    assert importera_fil(_ncr_fil(tmp_path, datum), startad_av="kommando").lyckad

    login(page, "SE2321000180-VL01")
    page.goto("/lagesbild/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lägesbild: väntetider till operation")

    page.get_by_label("KVÅ-grupp (kod eller text)").fill("CJE")
    page.get_by_label("Period").select_option("90")
    page.get_by_label("Nivå").select_option("enhet")  # a filter updates the table as it changes (issue #14 point 21)

    expect(page).to_have_url(re.compile(r"kva=CJE.*period=90.*niva=enhet"))  # the choice is shareable
    resultat = page.locator("#resultat")
    expect(resultat.get_by_role("heading", level=2)).to_contain_text("CJE")
    expect(resultat.get_by_role("heading", level=2)).to_contain_text("90 dagar, per vårdenhet")
    units = resultat.locator("tbody th[scope=row] a")
    expect(units).to_have_count(4)
    # Sorted by median, shortest first: Göteborg 20, Uppsala 34, Falun 95, Sundsvall 164
    assert units.all_inner_texts() == [
        "Synkliniken Göteborg",
        "Demo Ögonklinik Uppsala",
        "Ögonkliniken Falu lasarett",
        "Ögonsektionen Sundsvalls sjukhus",
    ]
    medianer = [int(t) for t in resultat.locator("tbody tr:not(.lb-riket) td.num:nth-of-type(3)").all_inner_texts()]
    assert medianer == sorted(medianer) == [20, 34, 95, 164]
    expect(resultat.locator("tr.lb-riket")).to_contain_text("Riket")

    resultat.get_by_role("link", name="Demo Ögonklinik Uppsala").click()
    expect(page).to_have_url(re.compile(r"/lagesbild/enheter/SE5560000001-OGON02/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo Ögonklinik Uppsala")
    expect(page.get_by_role("heading", name=re.compile(r"^CJE"))).to_be_visible()
    expect(page.locator("figure.chart svg[role=img]")).to_be_visible()
    manadstabell = page.get_by_role("table", name="Medianväntetid per månad, CJE")
    expect(manadstabell).to_be_visible()
    # 18 calendar months; the file has only the latest, so the others are gaps
    expect(manadstabell.locator("tbody tr")).to_have_count(18)
    expect(manadstabell.locator("tbody tr").last).to_contain_text("37")  # the month's median, 34 + 3
    expect(manadstabell.locator("tbody tr").first).to_contain_text("uppgift saknas")
    assert page.console_errors == []


@pytest.fixture
def register(tmp_path):
    """The NCR file above (plus narkos figures) and one SPOR unit for NGB, delivered yesterday."""
    datum = timezone.localdate() - timedelta(days=1)
    narkos = [f"{datum};03;SE5560000001-OGON02;Demo Ögonklinik Uppsala;CJE;90d;narkos;40;61;90;70,0"]
    assert importera_fil(_ncr_fil(tmp_path, datum, narkos), startad_av="kommando").lyckad
    spor = [f"{datum};20;SE2321000180-FALU01;Ortopedkliniken Falu lasarett;NGB;90d;alla;48;212;365;18,8;12,5"]
    spor += [f"{datum};20;SE2321000180-FALU01;Ortopedkliniken Falu lasarett;NGB;90d;inom_3m;12;80;120;60,0;10,0"]
    assert importera_fil(write(tmp_path, "spor.csv", SPOR_HEADER, spor), startad_av="kommando").lyckad


def test_back_after_an_htmx_choice_shows_the_whole_page_not_the_bare_fragment(page, login, demo_identities, register):
    login(page, "SE2321000180-VL01")
    page.goto("/lagesbild/")
    page.get_by_label("KVÅ-grupp (kod eller text)").fill("CJE")
    page.get_by_label("KVÅ-grupp (kod eller text)").press("Enter")
    expect(page).to_have_url(re.compile(r"kva=CJE"))
    page.locator("#resultat").get_by_role("link", name="Demo Ögonklinik Uppsala").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo Ögonklinik Uppsala")

    page.go_back()
    expect(page).to_have_url(re.compile(r"kva=CJE"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lägesbild: väntetider till operation")
    expect(page.get_by_role("search", name="Välj jämförelse")).to_be_visible()
    expect(page.locator("#resultat h2")).to_contain_text("CJE")


def test_the_urval_select_and_the_url_follow_the_group_the_server_applied(page, login, demo_identities, register):
    login(page, "SE2321000180-VL01")
    page.goto("/lagesbild/?kva=CJE&urval=narkos")
    expect(page.locator("#urval")).to_have_value("narkos")
    expect(page.locator("#resultat h2")).to_contain_text("narkos (generell anestesi)")

    page.get_by_label("KVÅ-grupp (kod eller text)").fill("NGB")
    page.get_by_label("KVÅ-grupp (kod eller text)").press("Enter")  # HTMX: only #resultat and the urval field
    expect(page.locator("#resultat h2")).to_contain_text("NGB")
    expect(page.locator("#urval")).to_have_value("alla")
    opts = page.locator("#urval option").all_inner_texts()
    assert "Prioritet: inom 3 månader" in opts and "Narkos (generell anestesi)" not in opts
    expect(page).to_have_url(re.compile(r"kva=NGB.*urval=alla"))
    expect(page.locator("#resultat h2")).to_contain_text("90 dagar, per vårdenhet, alla patienter")
    expect(page.locator("#resultat")).to_contain_text("Urvalet narkos finns inte för NGB (SPOR)")
    # the screen reader hears the summary and the note about the ignored selection, not only the summary
    expect(page.locator("#live-region")).to_have_text(
        "1 vårdenhet, sorterade på median stigande. Urvalet narkos finns inte för NGB (SPOR); visar alla patienter."
    )

    page.locator("#urval").select_option("inom_3m")  # the re-rendered field is the one the form sends
    expect(page).to_have_url(re.compile(r"urval=inom_3m"))
    expect(page.locator("#resultat h2")).to_contain_text("prioritet inom 3 månader")
    assert page.console_errors == []


def test_after_an_htmx_choice_the_live_region_also_announces_a_stale_source(page, login, demo_identities, tmp_path):
    datum = timezone.localdate() - timedelta(days=5)  # NCR is stale after 3 days
    assert importera_fil(_ncr_fil(tmp_path, datum), startad_av="kommando").lyckad
    login(page, "SE2321000180-VL01")
    page.goto("/lagesbild/?kva=CJE")
    page.get_by_label("Period").select_option("30")
    expect(page.locator("#resultat h2")).to_contain_text("30 dagar")
    live = page.locator("#live-region")
    expect(live).to_contain_text("4 vårdenheter, sorterade på median stigande.")
    expect(live).to_contain_text(f"NCR: senaste leverans {datum:%Y-%m-%d} (5 dagar sedan)")
    assert "Källor:" not in live.inner_text()  # the warnings, not the whole region
    assert page.console_errors == []


def test_the_comparison_table_scrolls_inside_its_box_on_a_phone(page, login, demo_identities, register):
    login(page, "SE2321000180-VL01")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/lagesbild/?kva=CJE&period=90&niva=enhet")
    expect(page.locator("table.lb-tabell")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wrap = page.locator("#resultat .table-wrap")
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")  # the table itself is wider: it scrolls here
    # The pages that show a unit's figures: long HSA-ids and addresses in the facts list wrap instead.
    for url in ("/lagesbild/enheter/SE5560000001-OGON02/", "/katalog/enheter/SE5560000001-OGON02/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url


def _vantetider(folder):
    rows = []
    for i in range(18):
        manad = f"{2024 + (i + 6) // 12}-{(i + 6) % 12 + 1:02d}"  # 2024-07 … 2025-12
        rows.append(f"{manad};00;atgard;Alla;{200000 + i};{70000 + i};99089;98049")
        rows.append(f"{manad};00;besok;Alla;{485112 + i};{152810 + i};238349;253621")
        rows.append(f"{manad};20;atgard;Alla;{2890 + i};1604;702;688")
    return write(folder, "vantetider_202512.csv", VT_HEADER, rows)


def test_vantetider_shows_every_column_at_desktop_width_and_months_on_one_line(page, login, demo_identities, tmp_path):
    assert importera_fil(_vantetider(tmp_path), startad_av="kommando").lyckad
    login(page, "SE2321000180-VL01")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/lagesbild/vantetider/")
    for wrap in page.locator(".table-wrap.lb-belastning").all():  # the load per region (#20)
        assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the load table needs sideways scrolling"
    for wrap in page.locator(".table-wrap:not(.lb-belastning)").all():
        assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the table needs sideways scrolling"
        header = wrap.get_by_role("columnheader", name="Inom garantin")
        assert header.evaluate(
            "(th, wrap) => th.getBoundingClientRect().right <= wrap.getBoundingClientRect().right + 1",
            wrap.element_handle(),
        )
    lines = page.locator("th.lb-manad").evaluate_all(
        "ths => ths.map(th => { const r = document.createRange(); r.selectNodeContents(th);"
        " return r.getClientRects().length; })"
    )
    assert len(lines) == 36 and set(lines) == {1}


def test_arrowing_through_the_region_select_updates_in_place_without_reloading(page, login, demo_identities, tmp_path):
    """Issue #14 point 21: the filters update the view as they change, like every other filter; WCAG 3.2.2: in place,
    no new page, and the focus stays on the select (no change of context)."""
    assert importera_fil(_vantetider(tmp_path), startad_av="kommando").lyckad
    login(page, "SE2321000180-VL01")
    page.goto("/lagesbild/vantetider/")
    expect(page.get_by_role("button", name="Visa")).to_be_hidden()  # only without JavaScript
    page.evaluate("window.vfSammaSida = true")
    page.get_by_label("Region", exact=True).focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Region", exact=True)).to_have_value("03")  # Hela landet → 01 → 03
    expect(page).to_have_url(re.compile(r"region=03"))
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Region Uppsala")
    assert page.evaluate("window.vfSammaSida === true")  # no reload
    assert page.evaluate("document.activeElement.id") == "region"
