"""A navigator compares units for cataract surgery (CJE) over 90 days and opens one unit, in a real browser."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from lagesbild.importers import importera_fil
from tests.lagesbild.helpers import NCR_HEADER, write

pytestmark = pytest.mark.browser

# (hsa_id, name, region, 90-day median) – deliberately not in median order in the file
ENHETER = [
    ("SE2321000206-OGON01", "Ögonsektionen Sundsvalls sjukhus", "22", 164),
    ("SE5560000001-OGON02", "Demo Ögonklinik Uppsala", "03", 34),
    ("SE5563334440-OGON01", "Synkliniken Göteborg", "14", 20),
    ("SE2321000180-OGON01", "Ögonkliniken Falu lasarett", "20", 95),
]


def _ncr_fil(folder, datum):
    manad = (datum.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    rows = []
    for hsa, namn, region, median in ENHETER:
        rows.append(f"{datum};{region};{hsa};{namn};CJE;90d;alla;300;{median};{median * 2};50,0")
        rows.append(f"{datum};{region};{hsa};{namn};CJE;30d;alla;100;{median + 10};{median * 2};40,0")
        rows.append(f"{datum};{region};{hsa};{namn};CJE;{manad};alla;100;{median + 3};{median * 2};45,5")
    rows.append(f"{datum};00;;;CJE;90d;alla;21304;78;190;58,9")
    rows.append(f"{datum};00;;;CJE;{manad};alla;7000;80;190;58,0")
    return write(folder, "ncr_vantetider.csv", NCR_HEADER, rows)


def test_a_navigator_compares_units_for_cje_over_90_days_and_opens_one(page, login, demo_identities, tmp_path):
    datum = timezone.localdate() - timedelta(days=1)
    assert importera_fil(_ncr_fil(tmp_path, datum), startad_av="kommando").lyckad

    login(page, "SE2321000180-VL01")
    page.goto("/lagesbild/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lägesbild: väntetider till operation")

    page.get_by_label("KVÅ-grupp (kod eller text)").fill("CJE")
    page.get_by_label("Period").select_option("90")
    page.get_by_label("Nivå").select_option("enhet")
    page.get_by_role("button", name="Visa").click()

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
    expect(manadstabell.locator("tbody tr").first).to_contain_text("37")  # the month's median, 34 + 3
    assert page.console_errors == []
