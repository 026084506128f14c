"""Issue #19 (capacity and settlement) in Chromium with JavaScript on: the receiving unit invoices a performed case,
the home region's coordinator disputes and approves the lines (422 and 409 shown in place, focused and announced);
the 422 answers of the volume report, the cooperation checklist and the deviation log show their Swedish message in
place and write nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from arenden.models import Avvikelse, Fakturarad
from avtal.models import Avtalsrad, RapporteradVolym
from tests.arenden.test_browser_htmx_fel import fokuserad_klass, logga_in, verkliga_fel
from tests.factories import make_user
from vardformedling.models import Roll

pytestmark = pytest.mark.browser


@pytest.fixture
def sida(page, live_server):
    page.context._vf_base_url = live_server.url
    return page


@pytest.fixture
def koordinator(db):
    return make_user(Roll.KOORDINATOR, "20", namn="Test Koordinator")


def svarskoder(page, del_av_url: str) -> list[int]:
    svar: list[int] = []
    page.on("response", lambda r: svar.append(r.status) if del_av_url in r.url else None)
    return svar


def registrera_fakturarad(sida, *, avser: str, belopp: str, typ: str = "vard") -> None:
    faktura = sida.locator("#fakturering")
    faktura.get_by_label("Typ").select_option(typ)
    faktura.get_by_label("Avser").fill(avser)
    faktura.get_by_label("Belopp (kr)").fill(belopp)
    faktura.get_by_role("button", name="Registrera fakturarad").click()


def test_invoice_lines_from_the_receiving_unit_decided_by_the_home_region(sida, arende_i_steg, mottagare, koordinator):
    a = arende_i_steg("utford")  # agreement line CJE, 9 500 kr
    idag = timezone.localdate()

    # The receiving unit signs in and invoices the performed case.
    logga_in(sida, mottagare)
    sida.goto(f"/arenden/{a.case_id}/")
    svar = svarskoder(sida, "/faktura/")
    registrera_fakturarad(sida, avser="", belopp="")  # nothing filled in: 422 beside the fields
    summering = sida.locator("#fakturering .felsammanfattning")
    summering.wait_for()
    assert 422 in svar
    assert "Uppgifterna är inte sparade" in summering.inner_text()
    assert "felsammanfattning" in fokuserad_klass(sida)
    assert not Fakturarad.objects.exists()

    registrera_fakturarad(sida, avser="Operation", belopp="9700")  # 200 kr above the agreed price
    kvitto = sida.locator("#arende .alert--warn[role=alert]")
    kvitto.wait_for()
    assert "Avvikelse: 200\u00a0kr över avtalat pris" in kvitto.inner_text()
    rad_op = sida.locator("#fakturering tbody tr", has_text="Operation")
    assert "200\u00a0kr över avtalat pris" in rad_op.locator(".badge--warn").inner_text()
    registrera_fakturarad(sida, avser="Taxi", belopp="640", typ="resa")
    sida.locator("#arende .alert--ok", has_text="Taxi").wait_for()
    assert sida.locator("#fakturering tbody tr", has_text="Taxi").get_by_text("Kontrolleras inte").is_visible()
    op, taxi = Fakturarad.objects.get(avser="Operation"), Fakturarad.objects.get(avser="Taxi")
    assert (op.avvikelse, op.status, taxi.status) == (Decimal(200), "att_attestera", "att_attestera")
    assert verkliga_fel(sida) == []

    # A coordinator of the home region signs in: the settlement page lists both lines to approve.
    sida.context.clear_cookies()
    logga_in(sida, koordinator)
    sida.goto(f"/arenden/avrakning/?manad={idag:%Y-%m}")
    tabell = sida.locator("table", has_text="Operation")
    assert tabell.locator("tr", has_text="Operation").get_by_role("button", name="Godkänn").is_visible()
    assert tabell.locator("tr", has_text="Taxi").get_by_role("button", name="Bestrid").is_visible()

    # On the case page (two tabs: the second stays on the page as it was before the first tab decides).
    flik1, flik2 = sida, sida.context.new_page()
    for flik in (flik1, flik2):
        flik.goto(f"/arenden/{a.case_id}/")
    svar = svarskoder(flik1, "/faktura/beslut/")
    # Disputing without a reason: 422, the message in place, announced and focused; nothing decided.
    flik1.get_by_role("button", name="Bestrid Operation").click()
    fel = flik1.locator("#arende .alert--warn[role=alert]")
    fel.wait_for()
    assert 422 in svar
    assert "Skriv varför raden bestrids" in fel.inner_text()
    assert "alert--warn" in fokuserad_klass(flik1)
    assert Fakturarad.objects.get(pk=op.pk).status == "att_attestera"
    # With a reason it is disputed.
    flik1.locator(f"#motivering-{op.pk}").fill("Extra återbesök ingår i priset")
    flik1.get_by_role("button", name="Bestrid Operation").click()
    flik1.locator("#arende .alert--ok", has_text="är bestriden").wait_for()
    assert "Bestriden: Extra återbesök ingår i priset" in flik1.locator("#fakturering").inner_text()
    # The travel line is approved.
    flik1.get_by_role("button", name="Godkänn Taxi").click()
    flik1.locator("#arende .alert--ok", has_text="är godkänd").wait_for()
    assert dict(Fakturarad.objects.values_list("avser", "status")) == {"Operation": "bestridd", "Taxi": "godkand"}

    # The second tab still offers the decision on the travel line: a second decision answers 409 in place.
    svar2 = svarskoder(flik2, "/faktura/beslut/")
    flik2.locator(f"#motivering-{taxi.pk}").fill("Resan var inte beställd")
    flik2.get_by_role("button", name="Bestrid Taxi").click()
    konflikt = flik2.locator("#arende .alert--warn[role=alert]")
    konflikt.wait_for()
    assert 409 in svar2
    assert "Fakturaraden är redan godkänd" in konflikt.inner_text()
    assert "alert--warn" in fokuserad_klass(flik2)
    assert flik2.get_by_role("button", name="Bestrid Taxi").count() == 0  # the page now shows the decision
    assert Fakturarad.objects.get(pk=taxi.pk).status == "godkand"
    assert verkliga_fel(flik1) == []


def test_a_volume_report_with_a_bad_month_answers_422_in_place(sida, avtalsrad, koordinator):
    logga_in(sida, koordinator)
    sida.goto(f"/avtal/{avtalsrad.avtal.avtal_id}/")
    svar = svarskoder(sida, "/rapportera/")
    volym = sida.locator("#volym")
    volym.get_by_label("Månad (ÅÅÅÅ-MM)").fill("2020-13")
    volym.get_by_label("Antal patienter").fill("3")
    volym.get_by_role("button", name="Spara volym").click()
    fel = sida.locator("#volym .errorlist", has_text="ingen månad")
    fel.wait_for()
    assert 422 in svar
    assert "”2020-13” är ingen månad (ÅÅÅÅ-MM) inom de senaste två åren." in fel.inner_text()
    summering = sida.locator("#volym .felsammanfattning[role=alert]")
    assert "Volymen är inte sparad" in summering.inner_text()
    assert "felsammanfattning" in fokuserad_klass(sida)  # focused, not left on <body>
    assert sida.locator("#volym").get_by_label("Antal patienter").input_value() == "3"  # the entered figures stay
    assert sida.get_by_role("heading", name="Vårdtjänster, priser och volym").is_visible()  # the rest of the page too
    assert not RapporteradVolym.objects.exists()
    assert verkliga_fel(sida) == []


def test_a_checklist_without_care_steps_answers_422_in_place(sida, avtalsrad, koordinator):
    logga_in(sida, koordinator)
    sida.goto(f"/avtal/{avtalsrad.avtal.avtal_id}/")
    svar = svarskoder(sida, "/samverkan/")
    samverkan = sida.locator("#samverkan")
    samverkan.get_by_text("Ändra samverkansvillkoren för CJE").click()
    samverkan.get_by_label("Vårdsteg som ingår").fill("   ")
    samverkan.get_by_label("Vem ger patienten resultatet").fill("Opererande enhet")
    samverkan.get_by_role("button", name="Spara samverkansvillkor").click()
    fel = sida.locator("#samverkan .errorlist")
    fel.wait_for()
    assert 422 in svar
    assert "Skriv vilka vårdsteg som ingår" in fel.inner_text()
    summering = sida.locator("#samverkan .felsammanfattning[role=alert]")
    assert "Samverkansvillkoren är inte sparade" in summering.inner_text()
    assert "felsammanfattning" in fokuserad_klass(sida)  # focused, not left on <body>
    assert fel.is_visible()  # the checklist's details stay open on the error
    assert sida.locator("#samverkan").get_by_label("Vem ger patienten resultatet").input_value() == "Opererande enhet"
    rad = Avtalsrad.objects.get(pk=avtalsrad.pk)
    assert (rad.vardsteg, rad.resultat_ges_av) == ("", "")
    assert verkliga_fel(sida) == []


def test_a_deviation_dated_in_the_future_answers_422_in_place(sida, arende_i_steg, mottagare):
    a = arende_i_steg("bekraftad")
    logga_in(sida, mottagare)
    sida.goto(f"/arenden/{a.case_id}/")
    svar = svarskoder(sida, "/avvikelser/")
    avvikelser = sida.locator("#avvikelser")
    avvikelser.get_by_text("Rapportera avvikelse").click()
    avvikelser.get_by_label("Vad hände").fill("Remissen saknade provsvar")
    avvikelser.get_by_label("När").fill((timezone.localdate() + timedelta(days=3)).isoformat())
    avvikelser.get_by_role("button", name="Registrera avvikelse").click()
    summering = sida.locator("#avvikelser .felsammanfattning")
    summering.wait_for()
    assert 422 in svar
    assert summering.get_attribute("role") == "alert"
    assert "Datumet kan inte ligga i framtiden." in summering.inner_text()
    assert "felsammanfattning" in fokuserad_klass(sida)
    assert sida.locator("#avvikelser").get_by_label("Vad hände").input_value() == "Remissen saknade provsvar"
    assert not Avvikelse.objects.exists()
    assert verkliga_fel(sida) == []
