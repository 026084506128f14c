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


def test_coordinator_filters_the_page_and_downloads_a_table(page, login, demo_identities):
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
