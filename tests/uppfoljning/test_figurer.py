"""Every figure of the follow-up for the known set (tests/uppfoljning/conftest.py), checked exactly."""

from datetime import date

import pytest

from uppfoljning import queries as q
from uppfoljning.queries import percentil_ur_fordelning
from uppfoljning.statistik import berakna
from uppfoljning.urval import Urval, standardperiod, urval_fran_request
from vardformedling.models import Medarbetaruppdrag, Roll


def _urval(kanda, **kw) -> Urval:
    fran, till = standardperiod(kanda.idag)
    return Urval(fran=fran, till=till, **kw)


def _varden(tabell) -> dict[str, str]:
    return {r[0].text: r[1].text for r in tabell.rader}


def test_knee_pilot_acceptance_rate_is_39_of_59_offers(kanda):
    qs = _urval(kanda, region="06", kva="NGB").arenden()
    e = q.erbjudanden(qs)
    assert e == {"arenden": 45, "lamnade": 59, "accepterade": 39, "avbojda": 20, "obesvarade": 0, "aterkallade": 0}
    nyckeltal = _varden(berakna(_urval(kanda, region="06", kva="NGB"))["nyckeltal"])
    assert nyckeltal["Acceptansgrad"] == "66\u00a0%"


def test_case_counts_costs_and_guarantee_for_the_referring_region(kanda):
    k = q.nyckeltal(_urval(kanda, region="06").arenden())
    assert k["registrerade"] == 47
    assert k["accepterade"] == 39
    assert k["utforda"] == 6
    assert k["inom_garanti"] == 4
    assert k["avslutade"] == 4
    assert k["avslutade_tidigt"] == 4
    assert k["pagaende"] == 39
    assert k["fakturerade"] == 4 and k["faktura_summa"] == 340000
    assert k["med_resa"] == 4 and k["rese_summa"] == 2560
    v = _varden(berakna(_urval(kanda, region="06"))["nyckeltal"])
    assert v["Registrerade ärenden"] == "47"
    assert v["Ärenden med erbjudande"] == "45"
    assert v["Lämnade erbjudanden"] == "59"
    assert v["Förmedlade patienter"] == "39"
    assert v["Utförd vård"] == "6"
    assert v["Andel behandlade inom vårdgarantin"] == "67\u00a0%"  # 4 of 6
    assert v["Avslutade i förtid"] == "4"


def test_decline_and_early_ending_reasons(kanda):
    qs = _urval(kanda, region="06").arenden()
    avbojda = dict(q.avbojda_per_orsak(qs))
    assert avbojda["För långt bort"] == 10
    assert avbojda["Datumet passar inte"] == 4
    assert avbojda["Vill vänta på vård i hemregionen"] == 6
    assert sum(avbojda.values()) == 20
    avslutade = dict(q.avslutade_per_orsak(qs))
    assert avslutade["Patienten avböjde"] == 3
    assert avslutade["Behandlad i hemregionen"] == 1
    assert sum(avslutade.values()) == 4


def test_handling_time_median_and_90th_percentile(kanda):
    h = q.handlaggningstid(_urval(kanda, region="06").arenden())
    assert h == {"antal": 6, "median": 7.0, "p90": 15.0}  # days 2, 4, 6, 8, 10, 20


def test_wait_from_decision_to_care(kanda):
    v = q.vantetid_till_vard(_urval(kanda, region="06").arenden())
    assert v == {"antal": 6, "median": 80.0, "p90": 95.0}  # 80, 80, 80, 80, 95, 95


def test_days_saved_only_where_the_home_unit_has_a_figure(kanda):
    s = q.sparade_dagar(_urval(kanda, region="06").arenden())
    assert s == {"antal": 4, "summa": 280, "medel": 70.0}  # 150 − 80 for cases 0–3; 4–5 have no home unit
    v = berakna(_urval(kanda, region="06"))["nyckeltal"]
    rad = next(r for r in v.rader if r[0].text.startswith("Sparade dagar per patient"))
    assert rad[1].text == "70"
    assert "Underlag: 4 av 6 utförda" in rad[2].text


def test_brokered_patients_per_registration_month(kanda):
    u = _urval(kanda, region="06")
    rader = {r["manad"]: r for r in q.per_manad(u.arenden(), u.fran, u.till)}
    assert len(rader) == 12
    s_manad, idag_manad = date(kanda.s.year, kanda.s.month, 1), date(kanda.idag.year, kanda.idag.month, 1)
    if s_manad == idag_manad:
        assert rader[s_manad] == {"manad": s_manad, "registrerade": 47, "formedlade": 39, "utforda": 6}
    else:
        assert rader[s_manad] == {"manad": s_manad, "registrerade": 45, "formedlade": 39, "utforda": 6}
        assert rader[idag_manad] == {"manad": idag_manad, "registrerade": 2, "formedlade": 0, "utforda": 0}
    assert sum(r["registrerade"] for r in rader.values()) == 47


def test_flows_between_regions_national(kanda):
    floden = {(r["region_id"], r["mottagande_region"]): r["n"] for r in q.floden(_urval(kanda, region=None).arenden())}
    assert floden == {("06", "05"): 39, ("20", "05"): 3}


def test_volume_per_agreement_and_per_provider(kanda):
    qs = _urval(kanda, region="06").arenden()
    (rad,) = q.volym_per_avtal(qs)
    # 39 accepted: 6 performed (consumed), case 7 ended early (released), 32 still reserved.
    assert (rad["avtal_id"], rad["kva"], rad["forbrukat"], rad["reserverat"], rad["takvolym"]) == (
        "RJL-2026-KNA",
        "NGB",
        6,
        32,
        100,
    )
    (vg,) = q.per_vardgivare(qs)
    assert (vg["formedlade"], vg["utforda"], vg["inom_garanti"], vg["fakturerat"]) == (39, 6, 4, 340000)


def test_filters_kva_provider_and_outcome(kanda):
    assert _urval(kanda, region="06", kva="CJE").arenden().count() == 2
    assert _urval(kanda, region="06", utfall="utford").arenden().count() == 6
    assert _urval(kanda, region="06", utfall="avslutad_tidigt").arenden().count() == 4
    assert _urval(kanda, region="06", utfall="avslutad").arenden().count() == 4
    assert _urval(kanda, region="06", vardgivare=kanda.rad.avtal.vardgivare_id).arenden().count() == 39
    assert _urval(kanda, region="05", som="mottagande").arenden().count() == 42
    ute = Urval(fran=kanda.idag, till=kanda.idag, region="06")
    assert ute.arenden().count() == 2  # the pilot was registered 30 days ago


def test_coordinator_is_fixed_to_own_region_whatever_the_url_says(kanda):
    uppdrag = Medarbetaruppdrag.objects.get(roll=Roll.KOORDINATOR, region_id="06")
    u = urval_fran_request({"region": "20"}, uppdrag)
    assert u.region == "06" and not u.undertryck_alla
    assert urval_fran_request({"som": "mottagande"}, uppdrag).undertryck_alla


@pytest.mark.parametrize(
    ("fordelning", "andel", "vantat"),
    [
        ([(2, 1), (4, 1), (6, 1), (8, 1), (10, 1), (20, 1)], 0.9, 15.0),
        ([(80, 4), (95, 2)], 0.5, 80.0),
        ([(5, 1)], 0.9, 5.0),
        ([(1, 1), (3, 1)], 0.5, 2.0),
        ([], 0.5, None),
    ],
)
def test_python_percentile_fallback_matches_percentile_cont(fordelning, andel, vantat):
    assert percentil_ur_fordelning(fordelning, andel) == vantat


def test_a_patient_who_changes_their_mind_is_no_longer_counted_as_brokered(kanda):
    from arenden import services
    from arenden.models import Erbjudande

    a = kanda.pilot[20]  # accepted, referral not yet sent
    e = Erbjudande.objects.get(arende=a, status=Erbjudande.Status.ACCEPTERAT)
    services.erbjudande_besvara(erbjudande=e, anvandare=None, svar=False, avbojt_orsak="halsoskal")
    qs = _urval(kanda, region="06").arenden()
    assert q.nyckeltal(qs)["accepterade"] == 38
    e = q.erbjudanden(qs)
    assert (e["accepterade"], e["avbojda"]) == (38, 21)
    assert dict(q.avbojda_per_orsak(qs))["Hälsoskäl"] == 1


def test_period_shortcut_and_default_period():
    idag = date(2026, 11, 23)
    u = urval_fran_request({}, None, idag=idag)
    assert (u.fran, u.till) == (date(2025, 12, 1), idag)
    u = urval_fran_request({"period": "30"}, None, idag=idag)
    assert (u.fran, u.till) == (date(2026, 10, 25), idag)
    u = urval_fran_request({"fran": "2026-11-01", "till": "2026-10-01"}, None, idag=idag)
    assert (u.fran, u.till) == (date(2025, 12, 1), idag) and u.fel
