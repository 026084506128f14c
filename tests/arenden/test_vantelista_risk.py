"""Issue 17 point 2 and 3: who is at risk (worked examples, fallback medians) and cases from the list in one action."""

from datetime import date

import pytest
from django.urls import reverse

from arenden.models import Arende, Kalla
from arenden.services import identitet
from arenden.vantelista import risk, services
from arenden.vantelista.models import VantelistaPatient
from lagesbild.api import Vantetid
from tests.factories import VardenhetFactory, make_user
from vardformedling.models import Medarbetaruppdrag, Region, Roll
from vardformedling.personnummer import make_test_number

IDAG = date(2026, 12, 1)
RUBRIK = "region_kod;vardenhet_hsaid;personnummer;fornamn;efternamn;kva_grupp;beslutsdatum"


def v(median):
    return Vantetid(median_dagar=median, antal=40, undertryckt=False, kalla="SPOR", datum=IDAG)


@pytest.fixture
def medianer(monkeypatch):
    """Unit medians per (group, unit id), region totals per (group, region), the nation under None."""
    enheter: dict = {}
    regioner: dict = {}

    def for_enheter(*, kva_kod, vardenhet_ids=None, period="90d"):
        return {e: v(m) for (k, e), m in enheter.items() if k == kva_kod}

    def for_regioner(*, kva_kod, period="90d"):
        return {r: v(m) for (k, r), m in regioner.items() if k == kva_kod}

    monkeypatch.setattr(risk.lagesbild_api, "vantetider_for_enheter", for_enheter)
    monkeypatch.setattr(risk.lagesbild_api, "medianer_for_regioner", for_regioner)
    return enheter, regioner


def lista(region_kod, hsa, rader, idag=IDAG):
    text = RUBRIK + "\n" + "\n".join(f"{region_kod};{hsa};{p};F{i};E{i};{k};{d}" for i, (p, k, d) in enumerate(rader))
    services.importera(region=Region.objects.get(kod=region_kod), data=text.encode(), idag=idag)


def bedomning(region_kod, hsa=None):
    patienter = VantelistaPatient.objects.filter(lista__region_id=region_kod)
    if hsa:
        patienter = patienter.filter(lista__vardenhet__hsa_id=hsa)
    patienter = patienter.select_related("lista", "lista__region", "lista__vardenhet")
    return {p.rad: r for p, r in ((r.patient, r) for r in risk.bedom(patienter, idag=IDAG))}


def test_worked_example_90_days_and_fallbacks(db, medianer):
    enheter, regioner = medianer
    falu = VardenhetFactory(hsa_id="SE2321000180-FALU01", region=Region.objects.get(kod="20"))
    mora = VardenhetFactory(hsa_id="SE2321000180-MORA01", region=Region.objects.get(kod="20"))
    andra = [VardenhetFactory(region=Region.objects.get(kod="03")) for _ in range(3)]
    enheter[("NGB", falu.pk)] = 120
    for e, m in zip(andra, (20, 60, 200), strict=True):
        enheter[("NGB", e.pk)] = m
    regioner[("NGB", "20")] = 70
    regioner[("NGB", None)] = 50
    regioner[("CJE", None)] = 30
    lista("20", falu.hsa_id, [
        (make_test_number(1950, 1, 1, 1), "NGB", "2026-08-01"),  # guarantee 2026-10-30: passed
        (make_test_number(1950, 1, 1, 2), "NGB", "2026-10-01"),  # guarantee 2026-12-30; expected 2027-01-29: risk
        (make_test_number(1950, 1, 1, 3), "CJE", "2026-11-20"),  # no unit, no region → nation 30: 2026-12-20, inom
    ])  # fmt: skip
    lista("20", mora.hsa_id, [(make_test_number(1950, 1, 1, 4), "NGB", "2026-11-01")])  # region 70 → 2027-01-10
    r = bedomning("20", falu.hsa_id)
    assert r[2].garanti_datum == date(2026, 10, 30) and r[2].tillstand == risk.PASSERAT
    assert r[2].tillstand_text == "har passerat vårdgarantin"
    assert (r[3].garanti_datum, r[3].forvantat_datum) == (date(2026, 12, 30), date(2027, 1, 29))
    assert (r[3].tillstand, r[3].median_kalla, r[3].dagar_over) == (risk.RISK, risk.KALLA_ENHET, 30)
    # Elsewhere before 2026-12-30 (29 days from today): only the unit with 20 days; the home unit never counts.
    assert r[3].enheter_fore_garanti == 1
    assert r[2].enheter_fore_garanti == 0  # already passed
    assert (r[4].median_kalla, r[4].forvantat_datum, r[4].tillstand) == (
        risk.KALLA_RIKET,
        date(2026, 12, 20),
        risk.INOM,
    )
    mora_rad = next(x for x in risk.bedom(
        VantelistaPatient.objects.filter(lista__vardenhet=mora).select_related("lista", "lista__region"), idag=IDAG
    ))  # fmt: skip
    assert (mora_rad.median_kalla, mora_rad.forvantat_datum) == (risk.KALLA_REGION, date(2027, 1, 10))
    assert mora_rad.garanti_datum == date(2027, 1, 30) and mora_rad.tillstand == risk.INOM


def test_halland_60_days(db, medianer):
    enheter, _ = medianer
    halmstad = VardenhetFactory(hsa_id="SE2321000115-HALM01", region=Region.objects.get(kod="13"))
    enheter[("NGB", halmstad.pk)] = 75
    lista("13", halmstad.hsa_id, [(make_test_number(1950, 1, 1, 5), "NGB", "2026-10-15")])
    r = bedomning("13")[2]
    # 60 days: guarantee 2026-12-14; 75 days' median: expected 2026-12-29, after it.
    assert (r.garanti_datum, r.forvantat_datum, r.tillstand) == (date(2026, 12, 14), date(2026, 12, 29), risk.RISK)


def test_a_shown_forecast_at_the_home_unit_sets_the_expected_date_and_says_so(db, medianer):
    from katalog.models import Vardutbud
    from lagesbild.models import Prognos

    enheter, _ = medianer
    halmstad = VardenhetFactory(hsa_id="SE2321000115-HALM01", region=Region.objects.get(kod="13"))
    Vardutbud.objects.create(vardenhet=halmstad, kva_id="NGB")
    enheter[("NGB", halmstad.pk)] = 40  # the latest median: expected 2026-11-24, within the guarantee …
    punkter = [{"manad": "2026-11", "median": 90, "lag": 70, "hog": 110}]  # … but the forecast for November says 90
    Prognos.objects.create(vardenhet=halmstad, kva_id="NGB", kalla="SPOR", grundmanad="2026-10", metod="holt",
                           visas=True, skal="Holt.", mae={}, punkter=punkter)  # fmt: skip
    Prognos.objects.create(vardenhet=halmstad, kva_id="JAB", kalla="SPOR", grundmanad="2026-10", metod="holt",
                           visas=True, skal="Holt.", mae={}, punkter=[{**punkter[0], "median": 5}])  # fmt: skip
    lista("13", halmstad.hsa_id, [(make_test_number(1950, 1, 1, 5), "NGB", "2026-10-15")])
    r = bedomning("13")[2]
    assert (r.forvantat_datum, r.median_dagar, r.tillstand) == (date(2027, 1, 13), 90, risk.RISK)
    assert r.median_kalla == "hemenhetens prognos (Holts metod med dämpad trend)"
    # The at-risk page reads the stored risk (one UPDATE per list): the same date, wait and source.
    from arenden.vantelista.models import Vantelista

    risk.uppdatera(Vantelista.objects.filter(region_id="13"))
    lagrad = risk.patienter("13", idag=IDAG).get(rad=2)
    assert (lagrad.forvantat_datum, lagrad.median_dagar, lagrad.tillstand) == (date(2027, 1, 13), 90, risk.RISK)
    assert lagrad.median_kalla == r.median_kalla
    Prognos.objects.filter(kva_id="NGB").update(visas=False)  # a withheld forecast is never used
    r = bedomning("13")[2]
    assert (r.forvantat_datum, r.median_kalla, r.tillstand) == (date(2026, 11, 24), risk.KALLA_ENHET, risk.INOM)


def test_no_figure_at_all_says_so(db, medianer):
    falu = VardenhetFactory(hsa_id="SE2321000180-FALU01", region=Region.objects.get(kod="20"))
    lista("20", falu.hsa_id, [(make_test_number(1950, 1, 1, 6), "NGB", "2026-11-01")])
    r = bedomning("20")[2]
    assert (r.forvantat_datum, r.median_kalla, r.tillstand) == (None, risk.KALLA_SAKNAS, risk.INOM)
    assert risk.antal_per_grupp([r]) == [{"kva": "NGB", "passerat": 0, "risk": 0, "inom": 1, "lamnat": 0, "totalt": 1}]


@pytest.fixture
def koordinator(db):
    return make_user(Roll.KOORDINATOR, "20", namn="Test Koordinator")


def test_cases_from_list_skip_duplicates_and_record_source(db, medianer, koordinator):
    falu = VardenhetFactory(hsa_id="SE2321000180-FALU01", region=Region.objects.get(kod="20"))
    pnr = [make_test_number(1950, 1, 1, n) for n in (7, 8, 9)]
    lista("20", falu.hsa_id, [(p, "NGB", "2026-08-01") for p in pnr], idag=None)
    uppdrag = Medarbetaruppdrag.objects.get(user=koordinator)
    from arenden import services as arende_services
    from katalog.models import KvaGrupp

    befintligt = arende_services.arende_registrera(
        anvandare=koordinator, uppdrag=uppdrag, personnummer=pnr[1], kva=KvaGrupp.objects.get(kod="NGB"),
        beslutsdatum=date(2026, 7, 1), namn="Redan Registrerad",
    )  # fmt: skip
    assert befintligt.kalla == Kalla.PATIENT
    ids = list(VantelistaPatient.objects.order_by("rad").values_list("pk", flat=True))
    resultat = services.arenden_fran_lista(anvandare=koordinator, uppdrag=uppdrag, patient_ids=ids)
    assert len(resultat["skapade"]) == 2
    assert all(a.kalla == Kalla.VANTELISTA and a.status == "behov" for a in resultat["skapade"])
    assert [h["orsak"] for h in resultat["hoppade"]] == [f"har redan ett öppet ärende, {befintligt.case_id}"]
    assert resultat["hoppade"][0]["namn"] == "F1 E1 (19500101-****)"
    nytt = resultat["skapade"][0]
    # The identity from the list is sealed under the region's key (issue 16): only its keyed hash is in clear.
    assert nytt.identitet.personnummer == pnr[0] and nytt.identitet.namn == "F0 E0"
    nytt.refresh_from_db()
    assert nytt.pnr_hash == identitet.pnr_hash(nytt.region_id, pnr[0]) and nytt.identitet_chiffer
    assert VantelistaPatient.objects.get(pk=ids[0]).arende == nytt
    # Again: the rows with cases are skipped, nothing new.
    igen = services.arenden_fran_lista(anvandare=koordinator, uppdrag=uppdrag, patient_ids=ids)
    assert igen["skapade"] == [] and len(igen["hoppade"]) == 3
    assert Arende.objects.count() == 3


def test_page_creates_cases_for_all_at_risk_and_422_without_choice(db, medianer, koordinator, client):
    falu = VardenhetFactory(hsa_id="SE2321000180-FALU01", region=Region.objects.get(kod="20"))
    lista("20", falu.hsa_id, [
        (make_test_number(1950, 1, 1, 10), "NGB", "2026-01-15"),  # passed
        (make_test_number(1950, 1, 1, 11), "NGB", date.today().isoformat()),  # inom (no figure)
    ], idag=None)  # fmt: skip
    client.force_login(koordinator, backend="vardformedling.auth.SithsStubBackend")
    url = reverse("arenden:vantelista_arenden")
    svar = client.post(url, {})
    assert svar.status_code == 422 and "Välj minst en patient" in svar.content.decode()
    svar = client.post(url, {"urval": "risk"})
    assert svar.status_code == 200 and "1 ärende skapat" in svar.content.decode()
    assert Arende.objects.get().kalla == Kalla.VANTELISTA


def test_hand_registered_case_chooses_its_source(db, koordinator, client):
    client.force_login(koordinator, backend="vardformedling.auth.SithsStubBackend")
    svar = client.post(reverse("arenden:nytt"), {
        "personnummer": make_test_number(1950, 1, 1, 12), "namn": "Remiss Patient", "kontaktvag": "1177",
        "kva": "NGB", "beslutsdatum": "2026-10-01", "kalla": "remiss",
    })  # fmt: skip
    assert svar.status_code == 302, svar.content.decode()[:2000]
    assert Arende.objects.get().kalla == Kalla.REMISS


def test_follow_up_splits_by_source(db, medianer, koordinator, client_for):
    from django.core.cache import cache

    from katalog.models import KvaGrupp

    cache.clear()
    uppdrag = Medarbetaruppdrag.objects.get(user=koordinator)
    ngb = KvaGrupp.objects.get(kod="NGB")
    for n, kalla in enumerate(["vantelista", "vantelista", "patient", "remiss"]):
        services_registrera = __import__("arenden.services", fromlist=["arende_registrera"]).arende_registrera
        services_registrera(
            anvandare=koordinator, uppdrag=uppdrag, personnummer=make_test_number(1950, 2, 2, 20 + n), kva=ngb,
            beslutsdatum=date.today(), namn="X", kalla=kalla,
        )  # fmt: skip
    falu = VardenhetFactory(hsa_id="SE2321000180-FALU01", region=Region.objects.get(kod="20"))
    lista("20", falu.hsa_id, [(make_test_number(1950, 1, 1, 30), "NGB", "2026-01-15")], idag=None)
    resp = client_for(Roll.KOORDINATOR, "20").get("/uppfoljning/")
    t = resp.context["tabeller"]["kallor"]
    rader = {r[0].text: r[1].text for r in t.rader}
    assert rader == {"Väntelista (proaktivt)": "2", "Patienten hörde av sig": "1", "Remiss": "1"}
    assert "1 patienter på regionens väntelistor, varav 1 har passerat" in t.forklaring
