"""Issue 17 point 4: bulk matching as a min-cost flow – a small instance with a known optimum, caps, last resort,
infeasible patients named, and sending offers with a race for the last unit of an agreement line."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from arenden import services
from arenden.models import Erbjudande
from arenden.services.erbjudanden_flera import Erbjudanderad, erbjudanden_skicka
from avtal import services as avtal_services
from avtal.api import RadInfo
from avtal.models import Reservationsstatus, Volymreservation
from katalog.api import Utbudsrad
from lagesbild.api import Vantetid
from sok.fordelning import ORSAK_VOLYM_SLUT, Patientfall, Underlag, foresla, girigt
from sok.search import Referens
from vardformedling.models import Region

IDAG = date(2026, 12, 1)
KVA = SimpleNamespace(kod="NGB")
KM = 1 / 111.2  # degrees of latitude per km


def enhet(i, lat, *, max_asa=3):
    return Utbudsrad(i, i, f"Enhet {i}", True, "03", lat, 15.0, max_asa, True, True)


def rad(i, kvar, pris="50000"):
    return RadInfo(i, i, f"AVT-{i}", "03", Decimal(pris), "per_atgard", kvar, kvar)


def vt(median):
    return Vantetid(median_dagar=median, antal=50, undertryckt=False, kalla="SPOR", datum=IDAG)


def patient(pk, lat, *, asa=None, avbojda=()):
    return Patientfall(
        pk=pk, case_id=f"VF-{pk}", region_kod="20", vardgaranti=IDAG + timedelta(days=60),
        referens=Referens(lat, 15.0, "hem"), asa=asa, avbojda=frozenset(avbojda),
    )  # fmt: skip


@pytest.fixture
def instans():
    """A at latitude 59; B 100 km north of A; C 300 km south with a 400-day wait (breaks every guarantee).
    A has one unit of volume left, B one, C plenty. Patient 1 lives 40 km north of A (A 40 km, B 60 km: almost
    indifferent), patient 2 100 km south of A (A 100 km, B 200 km: A matters to them). Patient 3 declined A and B
    before, so only C is left for them; patient 4 is ASA 5, which no unit takes; patient 5 declined all three."""
    a, b, c = enhet(1, 59.0), enhet(2, 59.0 + 100 * KM), enhet(3, 59.0 - 300 * KM)
    underlag = Underlag(
        kandidater=[a, b, c],
        vantetider={1: vt(30), 2: vt(30), 3: vt(400)},
        rader={1: [rad(11, 1)], 2: [rad(12, 1)], 3: [rad(13, None)]},
    )
    patienter = [
        patient(1, 59.0 + 40 * KM),
        patient(2, 59.0 - 100 * KM),
        patient(3, 59.0, avbojda=(1, 2)),
        patient(4, 59.0, asa=5),
        patient(5, 59.0, avbojda=(1, 2, 3)),
    ]
    return patienter, underlag


def test_known_optimum_beats_greedy(instans):
    patienter, underlag = instans
    f = foresla(patienter, KVA, underlag, IDAG)
    val = {t.par.patient.pk: t.par.enhet_id for t in f.tilldelade}
    # Optimal: patient 2 (who gains most from A) gets A, patient 1 takes B, patient 3 only C as a last resort.
    assert val == {1: 2, 2: 1, 3: 3}
    assert [t.sista_utvag for t in f.tilldelade] == [False, False, True]
    assert {t.rad.rad_id for t in f.tilldelade} == {11, 12, 13}
    orsaker = {p.pk: o for p, o in f.ej_matchade}
    assert orsaker[4].startswith("ingen enhet kan ta emot patienten (3 tar inte emot ASA 5")
    assert orsaker[5] == "patienten har tackat nej till alla enheter som passar"
    g = girigt(patienter, KVA, underlag, IDAG)
    assert {t.par.patient.pk: t.par.enhet_id for t in g.tilldelade} == {1: 1, 2: 2, 3: 3}
    assert f.kostnad < g.kostnad
    assert f.totala_dagar == g.totala_dagar == 30 + 30 + 400
    # The "Varför?" parts are the search's own.
    assert [d.namn for d in f.tilldelade[0].par.traff.delar][:2] == ["Väntetid", "Avstånd"]


def test_caps_are_never_exceeded_and_leftovers_are_named():
    kandidater = [enhet(i, 59.0 + i * 10 * KM) for i in range(1, 6)]
    underlag = Underlag(
        kandidater=kandidater,
        vantetider={i: vt(10 * i) for i in range(1, 6)},
        # Unit 1 and 2 share line 100 (one provider's agreement): 3 units in all; the others 1 each.
        rader={1: [rad(100, 3)], 2: [rad(100, 3)], 3: [rad(3, 1)], 4: [rad(4, 1)], 5: [rad(5, 0)]},
    )
    patienter = [patient(i, 59.0 + (i % 7) * 5 * KM) for i in range(1, 11)]
    f = foresla(patienter, KVA, underlag, IDAG)
    per_rad: dict = {}
    for t in f.tilldelade:
        per_rad[t.rad.rad_id] = per_rad.get(t.rad.rad_id, 0) + 1
    assert per_rad == {100: 3, 3: 1, 4: 1}
    assert len(f.ej_matchade) == 5 and all(o == ORSAK_VOLYM_SLUT for _, o in f.ej_matchade)


@pytest.fixture
def steg2(arende_i_steg, lots, lots_uppdrag, avtalsrad):
    avtalsrad.takvolym = 1
    avtalsrad.save()
    return [arende_i_steg("hitta_vardgivare") for _ in range(2)]


def test_send_reserves_volume_and_reports_the_row_lost_to_a_race(
    steg2, lots, lots_uppdrag, mottagande_enhet, avtalsrad
):
    a1, a2 = steg2
    forvantat = date.today() + timedelta(days=10)
    # Another region reserves the last unit between the proposal and "Skicka erbjudanden".
    avtal_services.volym_reservera(rad=avtalsrad, referens="VF-2026-06-000001-1", region=Region.objects.get(kod="06"))
    utfall = erbjudanden_skicka(
        rader=[Erbjudanderad(a1.pk, mottagande_enhet.pk, avtalsrad.pk, forvantat),
               Erbjudanderad(a2.pk, mottagande_enhet.pk, None, forvantat)],
        anvandare=lots, uppdrag=lots_uppdrag,
    )  # fmt: skip
    assert "takvolym" in utfall[0].fel.lower() or "volym" in utfall[0].fel.lower()
    assert not Erbjudande.objects.filter(arende=a1).exists()  # the row's offer was rolled back with it
    assert utfall[1].erbjudande is not None and not utfall[1].fel
    assert Volymreservation.objects.filter(rad=avtalsrad, status=Reservationsstatus.RESERVERAD).count() == 1


def test_sent_offer_holds_volume_until_declined(steg2, lots, lots_uppdrag, mottagande_enhet, avtalsrad):
    a1, a2 = steg2
    forvantat = date.today() + timedelta(days=10)
    rader = [Erbjudanderad(a.pk, mottagande_enhet.pk, avtalsrad.pk, forvantat) for a in (a1, a2)]
    utfall = erbjudanden_skicka(rader=rader, anvandare=lots, uppdrag=lots_uppdrag)
    assert utfall[0].erbjudande is not None and "takvolym" in utfall[1].fel.lower()  # cap 1: never two
    services.erbjudande_besvara(erbjudande=utfall[0].erbjudande, anvandare=lots, svar=False, avbojt_orsak="annat")
    assert not Volymreservation.objects.filter(rad=avtalsrad, status=Reservationsstatus.RESERVERAD).exists()


def test_pages_422_and_409(steg2, lots, client, mottagande_enhet, avtalsrad):
    client.force_login(lots, backend="vardformedling.auth.SithsStubBackend")
    sida = client.get(reverse("katalog:fordelning") + "?kva=CJE")
    assert sida.status_code == 200
    url = reverse("katalog:fordelning_skicka")
    assert client.post(url, {"kva": "CJE"}).status_code == 422
    a1, a2 = steg2
    assert client.post(url, {"kva": "CJE", f"val_{a1.pk}": "x:y:z"}).status_code == 422
    val = f"{mottagande_enhet.pk}:{avtalsrad.pk}:{(date.today() + timedelta(days=5)).isoformat()}"
    svar = client.post(url, {"kva": "CJE", f"val_{a1.pk}": val, f"val_{a2.pk}": val})
    assert svar.status_code == 409
    html = svar.content.decode()
    assert "1 erbjudande skickat" in html and "1 rad kunde inte skickas" in html


def test_the_vectorised_scores_and_order_are_the_searchs_own():
    """Every patient's feasible units, their cost and their order equal what the ranked search gives one by one
    (`par_for_patient`, `sok.search.rangordna`), on an instance with ties, prices, unknown waits and positions,
    quality measures present and missing, other regions' units and exclusions of every kind."""
    import random

    from sok.fordelning import _Enheter, _rader_for, par_for_patient

    rng = random.Random(17)
    kandidater = [
        Utbudsrad(i, 100 + i, f"Enhet {i % 7}", i % 11 != 0, rng.choice(["03", "20", "06"]),
                  None if i % 13 == 0 else 57 + rng.random() * 8, 12 + rng.random() * 8, rng.choice([2, 3, 4]),
                  i % 3 == 0, i % 5 != 0,
                  None if i % 4 == 0 else Decimal(rng.choice(["0", "1.2", "3.5", "9.9", "12"])))  # quality part
        for i in range(1, 60)
    ]  # fmt: skip
    vantetider = {100 + i: vt(rng.choice([20, 45, 60, 90, 150, 200])) for i in range(1, 60) if i % 9}
    rader = {
        100 + i: [RadInfo(i, i, f"A{i}", rng.choice(["20", "03"]), None if i % 8 == 0 else Decimal(rng.choice(
            ["50000", "61000.50", "72000", "50000"])), "per_atgard", 5, rng.choice([None, 0, 3]))]
        for i in range(1, 60) if i % 6
    }  # fmt: skip
    underlag = Underlag(kandidater=kandidater, vantetider=vantetider, rader=rader)
    e = _Enheter(underlag, IDAG)
    for pk in range(1, 80):
        p = Patientfall(
            pk=pk, case_id=f"VF-{pk}", region_kod="20", vardgaranti=IDAG + timedelta(days=rng.choice([10, 60, 95])),
            referens=Referens(57 + rng.random() * 8, 12 + rng.random() * 8, "hem"), asa=rng.choice([None, 2, 3, 4]),
            narkos=rng.random() < 0.3, max_avstand=rng.choice([None, 150, 400]),
            avbojda=frozenset(rng.sample(range(101, 160), 3)),
        )  # fmt: skip
        sokens, _ = par_for_patient(p, KVA, underlag, IDAG)
        r = _rader_for(p, e)
        vektor = [] if r is None else [(e.k[j].vardenhet_id, int(c)) for j, c in zip(r.idx, r.kostnad, strict=True)]
        assert vektor == [(x.enhet_id, x.kostnad) for x in sokens], pk


def test_announced_capacity_caps_a_unit_in_the_proposal_and_in_greedy():
    kandidater = [enhet(1, 59.0), enhet(2, 59.0 + 200 * KM)]
    underlag = Underlag(
        kandidater=kandidater,
        vantetider={1: vt(20), 2: vt(40)},
        rader={1: [rad(1, None)], 2: [rad(2, None)]},
        kapacitet={1: 2},  # unit 1 announced capacity for two patients; its agreement has no cap
    )
    patienter = [patient(i, 59.0) for i in range(1, 6)]
    for forslag in (foresla(patienter, KVA, underlag, IDAG), girigt(patienter, KVA, underlag, IDAG)):
        per_enhet: dict = {}
        for t in forslag.tilldelade:
            per_enhet[t.par.enhet_id] = per_enhet.get(t.par.enhet_id, 0) + 1
        assert per_enhet == {1: 2, 2: 3}
