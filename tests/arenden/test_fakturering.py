"""Issue #19 point 4: invoice lines by case ID, checked against the agreement line's price and model; the receiving
unit writes, the home region approves or disputes; the settlement page and its export show the same figures."""

import csv
import importlib
import io
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from arenden import services
from arenden.models import Fakturarad
from arenden.services.fakturering import kontroll
from avtal.models import Avtalsrad
from tests.factories import make_user
from vardformedling.models import Medarbetaruppdrag, Roll

D = Decimal


def klient(user):
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


@pytest.mark.parametrize(
    ("modell", "pris", "tidigare", "belopp", "vantat"),
    [
        ("per_vardtillfalle", "1200", "0", "1500", ("1200", "300", "300\u00a0kr över avtalat pris")),
        ("per_vardtillfalle", "1200", "1500", "1000", ("1200", "-200", "200\u00a0kr under avtalat pris")),
        ("per_vardtillfalle", "1200", "0", "1200", ("1200", "0", "")),
        ("per_atgard", "9500", "0", "9000", ("9500", "0", "")),  # a first part of the procedure
        ("per_atgard", "9500", "9000", "1000", ("9500", "500", "500\u00a0kr över avtalat pris")),
        ("fast", "10000", "0", "10000", ("10000", "0", "")),
        ("fast", "10000", "10000", "800", ("10000", "800", "800\u00a0kr över avtalat pris")),
    ],
)
def test_each_price_model(modell, pris, tidigare, belopp, vantat):
    rad = Avtalsrad(pris_kr=D(pris), ersattningsmodell=modell)
    avtalat, avvikelse, text = kontroll(typ="vard", belopp=D(belopp), rad=rad, tidigare_vard=D(tidigare))
    assert (str(avtalat), str(avvikelse), text) == vantat


def test_travel_is_not_checked_and_a_line_without_price_says_so():
    assert kontroll(typ="resa", belopp=D(640), rad=Avtalsrad(pris_kr=D(1)), tidigare_vard=D(0)) == (None, None, "")
    assert kontroll(typ="vard", belopp=D(1), rad=Avtalsrad(pris_kr=None), tidigare_vard=D(0))[2].startswith(
        "Avtalsraden"
    )


@pytest.mark.django_db
def test_receiving_unit_invoices_home_region_decides(arende_i_steg, mottagare, mottagare_uppdrag, lots):
    a = arende_i_steg("utford")  # agreement line 9 500 kr, per case
    reg = {"arende": a, "anvandare": mottagare, "uppdrag": mottagare_uppdrag, "datum": date.today()}
    op = services.fakturarad_registrera(**reg, typ="vard", avser="Operation", belopp=D(9500))
    extra = services.fakturarad_registrera(**reg, typ="vard", avser="Extra återbesök", belopp=D(700))
    taxi = services.fakturarad_registrera(**reg, typ="resa", avser="Taxi", belopp=D(640))
    assert (op.avvikelse, extra.avvikelse, taxi.avvikelse) == (0, 700, None)
    assert extra.avviker and not op.avviker and not taxi.avviker
    a.refresh_from_db()
    assert (a.faktura_belopp, a.resekostnad) == (D(10200), D(640))  # follow-up reads the sums
    # Another unit, or a case not yet sent, cannot invoice.
    annan = make_user(
        Roll.MOTTAGARE, "03", a.mottagande_enhet.__class__.objects.exclude(pk=a.mottagande_enhet_id).first()
    )
    with pytest.raises(ValidationError) as exc:
        annat = {**reg, "anvandare": annan, "uppdrag": Medarbetaruppdrag.objects.get(user=annan)}
        services.fakturarad_registrera(**annat, typ="vard", avser="x", belopp=D(1))
    assert exc.value.code == "inte_mottagare"
    # The home region's coordinator approves and disputes (with a reason); the unit cannot decide.
    k = make_user(Roll.KOORDINATOR, "20")
    ku = Medarbetaruppdrag.objects.get(user=k)
    with pytest.raises(ValidationError) as exc:
        services.fakturarad_besluta(rad_id=op.pk, anvandare=mottagare, uppdrag=mottagare_uppdrag, godkand=True)
    assert exc.value.code == "inte_avsandare"
    services.fakturarad_besluta(rad_id=op.pk, anvandare=k, uppdrag=ku, godkand=True)
    with pytest.raises(ValidationError, match="Skriv varför raden bestrids"):
        services.fakturarad_besluta(rad_id=extra.pk, anvandare=k, uppdrag=ku, godkand=False)
    services.fakturarad_besluta(rad_id=extra.pk, anvandare=k, uppdrag=ku, godkand=False, motivering="Ingår i priset")
    with pytest.raises(ValidationError) as exc:
        services.fakturarad_besluta(rad_id=extra.pk, anvandare=k, uppdrag=ku, godkand=True)
    assert exc.value.code == "redan_beslutad"
    assert dict(Fakturarad.objects.values_list("avser", "status")) == {
        "Operation": "godkand", "Extra återbesök": "bestridd", "Taxi": "att_attestera"}  # fmt: skip


@pytest.mark.django_db
def test_views_permissions_and_error_answers(arende_i_steg, mottagare, lots):
    a = arende_i_steg("utford")
    url = reverse("arenden:faktura_ny", args=[a.case_id])
    data = {"faktura-typ": "vard", "faktura-avser": "Operation", "faktura-datum": date.today().isoformat(),
            "faktura-belopp": "9700"}  # fmt: skip
    assert klient(lots).post(url, data, secure=True).status_code == 403  # navigators do not invoice
    fel = klient(mottagare).post(
        url, {**data, "faktura-belopp": "", "faktura-avser": ""}, HTTP_HX_REQUEST="true", secure=True
    )
    assert fel.status_code == 422 and "Detta fält måste fyllas i." in fel.content.decode()
    ok = klient(mottagare).post(url, data, HTTP_HX_REQUEST="true", secure=True)
    text = ok.content.decode()
    assert ok.status_code == 200 and "Avvikelse: 200\u00a0kr över avtalat pris" in text
    rad = Fakturarad.objects.get()
    k = make_user(Roll.KOORDINATOR, "20")
    beslut = reverse("arenden:faktura_beslut", args=[a.case_id])
    assert klient(mottagare).post(beslut, {"rad": rad.pk, "beslut": "godkann"}, secure=True).status_code == 403
    svar = klient(k).post(beslut, {"rad": rad.pk, "beslut": "bestrid"}, HTTP_HX_REQUEST="true", secure=True)
    assert svar.status_code == 422 and "Skriv varför raden bestrids" in svar.content.decode()
    svar = klient(k).post(beslut, {"rad": rad.pk, "beslut": "godkann"}, HTTP_HX_REQUEST="true", secure=True)
    assert svar.status_code == 200 and "är godkänd" in svar.content.decode()
    svar = klient(k).post(
        beslut, {"rad": rad.pk, "beslut": "bestrid", "motivering": "x"}, HTTP_HX_REQUEST="true", secure=True
    )
    assert svar.status_code == 409 and "redan godkänd" in svar.content.decode()
    # Another region's coordinator does not see the case at all.
    assert klient(make_user(Roll.KOORDINATOR, "06")).post(beslut, {"rad": rad.pk}, secure=True).status_code == 404


def _sida_celler(html: str) -> list[list[str]]:
    import re

    tbody = html.split("<tbody>")[1].split("</tbody>")[0]
    rader = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", tbody, flags=re.S):
        celler = re.findall(r"<td>(.*?)</td>", tr, flags=re.S)
        rader.append(celler[:10])
    return rader


@pytest.mark.django_db
def test_settlement_export_equals_the_page(arende_i_steg, mottagare, mottagare_uppdrag):
    from html import unescape

    a = arende_i_steg("utford")
    b = arende_i_steg("utford")
    for arende, belopp in ((a, 9500), (a, 640), (b, 9900)):
        typ = "resa" if belopp == 640 else "vard"
        services.fakturarad_registrera(
            arende=arende,
            anvandare=mottagare,
            uppdrag=mottagare_uppdrag,
            datum=date.today(),
            typ=typ,
            avser="Post",
            belopp=D(belopp),
        )
    k = klient(make_user(Roll.KOORDINATOR, "20"))
    url = reverse("arenden:avrakning") + f"?manad={date.today():%Y-%m}"
    sida = k.get(url, secure=True).content.decode()
    export = k.get(url + "&format=csv", secure=True).content.decode("utf-8-sig")
    rader = list(csv.reader(io.StringIO(export), delimiter=";"))
    assert rader[0][:3] == ["Ärende-id", "Avtal", "Vårdgivare"] and len(rader) == 4
    assert [[unescape(c) for c in r] for r in _sida_celler(sida)] == rader[1:]
    totalt = sum(D(r[6].replace("\u00a0kr", "").replace("\u00a0", "").replace(",", ".")) for r in rader[1:])
    assert totalt == D(20040) and "20\u00a0040\u00a0kr" in sida
    assert "400\u00a0kr" in sida  # the deviation of b's line (9 900 against 9 500)
    # The receiving unit sees what it invoiced; another region sees nothing.
    assert "Post" in klient(mottagare).get(url, secure=True).content.decode()
    assert "Inga fakturarader" in klient(make_user(Roll.KOORDINATOR, "06")).get(url, secure=True).content.decode()


@pytest.mark.django_db
def test_the_single_invoice_amount_is_migrated_into_lines(arende_i_steg):
    a = arende_i_steg("avslutad")  # step 5 wrote faktura_belopp 9 500 (the agreed price)
    a.resekostnad = D(320)
    a.save()
    migration = importlib.import_module("arenden.migrations.0011_fakturarader")
    migration.flytta_fakturabelopp(apps, None)
    assert sorted(Fakturarad.objects.values_list("typ", "belopp", "avvikelse", "status")) == [
        ("resa", D(320), None, "godkand"), ("vard", D(9500), D(0), "godkand")]  # fmt: skip
