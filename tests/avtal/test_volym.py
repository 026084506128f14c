"""Volume arithmetic, reservations, and the usable-lines API used by search and cases."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from avtal.api import anvandbara_rader
from avtal.models import Avtal, Avtalsrad, Reservationsstatus, Volymreservation
from avtal.services import volym_forbruka, volym_reservera, volym_slapp
from avtal.uppladdning import importera_direkt
from tests.avtal.conftest import IDAG, csv_bytes, rad
from vardformedling.models import Region


@pytest.fixture
def linje(katalog):
    u = importera_direkt(filnamn="a.csv", innehall=csv_bytes([rad(takvolym="3")]))
    assert u.status == "tillampad", u.fel
    return Avtalsrad.objects.get()


def region(kod="22"):
    return Region.objects.get(kod=kod)


def test_reserve_consume_release_arithmetic(linje):
    volym_reservera(rad=linje, referens="VF-1", region=region())
    volym_reservera(rad=linje, referens="VF-2", region=region())
    volym_forbruka(referens="VF-1")
    r = Avtalsrad.objects.med_volym().get(pk=linje.pk)
    assert (r.used, r.reserved, r.left) == (1, 1, 1)
    assert (linje.forbrukat, linje.reserverat, linje.takvolym_kvar()) == (1, 1, 1)
    assert volym_slapp(referens="VF-2") == 1
    r = Avtalsrad.objects.med_volym().get(pk=linje.pk)
    assert (r.used, r.reserved, r.left) == (1, 0, 2)


def test_reserving_twice_for_the_same_case_takes_one_unit(linje):
    a = volym_reservera(rad=linje, referens="VF-1", region=region())
    b = volym_reservera(rad=linje, referens="VF-1", region=region())
    assert a.pk == b.pk
    assert Avtalsrad.objects.med_volym().get().left == 2


def test_full_cap_is_refused_with_a_swedish_message(linje):
    for i in range(3):
        volym_reservera(rad=linje, referens=f"VF-{i}", region=region())
    with pytest.raises(ValidationError) as exc:
        volym_reservera(rad=linje, referens="VF-9", region=region())
    assert "Takvolymen är nådd för avtal RD 2026/1 (20), KVÅ-grupp CJE" in exc.value.messages[0]
    volym_slapp(referens="VF-0")
    volym_reservera(rad=linje, referens="VF-9", region=region())  # a released unit can be used again


def test_consuming_without_reservation_fails(linje):
    with pytest.raises(ValidationError, match="ingen aktiv volymreservation"):
        volym_forbruka(referens="VF-404")


def test_line_without_cap_has_no_left(katalog):
    importera_direkt(filnamn="a.csv", innehall=csv_bytes([rad(takvolym="")]))
    linje = Avtalsrad.objects.get()
    for i in range(50):
        volym_reservera(rad=linje, referens=f"VF-{i}", region=region())
    assert Avtalsrad.objects.med_volym().get().left is None
    assert linje.takvolym_kvar() is None


def test_reupload_never_resets_used_volume(linje):
    volym_reservera(rad=linje, referens="VF-1", region=region())
    volym_forbruka(referens="VF-1")
    # The same agreement again with a higher price and the line dropped and restored.
    importera_direkt(filnamn="b.csv", innehall=csv_bytes([rad(takvolym="3", pris_kr="99")]))
    importera_direkt(filnamn="c.csv", innehall=csv_bytes([rad(kva_grupp="CJC")]))
    assert Avtalsrad.objects.filter(kva_id="CJE").exists()  # kept: it carries used volume
    importera_direkt(filnamn="d.csv", innehall=csv_bytes([rad(takvolym="3")]))
    r = Avtalsrad.objects.med_volym().get(kva_id="CJE")
    assert r.pk == linje.pk and (r.used, r.left) == (1, 2)
    assert Volymreservation.objects.get().status == Reservationsstatus.FORBRUKAD


def test_anvandbara_rader_validity_rights_units_and_left(katalog, django_assert_max_num_queries):
    e1, e2, e3 = katalog["e1"], katalog["e2"], katalog["e3"]
    importera_direkt(
        filnamn="a.csv",
        innehall=csv_bytes(
            [
                rad(avtal_id="A", takvolym="1"),  # unit e1 only, usable by 20, 22, 21
                rad(avtal_id="B", vardenhet_hsaid="", far_nyttjas_av="alla", takvolym=""),  # all units of Testögon
                rad(avtal_id="C", far_nyttjas_av="", avtalsagare_region_kod="01"),  # only 01
                rad(avtal_id="D", giltig_fran=str(IDAG + timedelta(days=5))),  # not yet valid
                rad(avtal_id="E", vardgivare_orgnr="556111-2227", vardenhet_hsaid="SE5561112220-K1", kva_grupp="NGB"),
            ]
        ),
    )
    volym_reservera(rad=Avtalsrad.objects.get(avtal__avtal_id="A"), referens="VF-1", region=region())
    with django_assert_max_num_queries(4):
        res = anvandbara_rader(kva_kod="CJE", region_kod="22", datum=IDAG)
    assert {k: sorted(i.avtal_id for i in v) for k, v in res.items()} == {e1.pk: ["A", "B"], e2.pk: ["B"]}
    a = next(i for i in res[e1.pk] if i.avtal_id == "A")
    assert a.kvar == 0 and a.takvolym == 1 and str(a.pris_kr) == "12500.50" and a.avtalsagare_kod == "20"
    assert next(i for i in res[e1.pk] if i.avtal_id == "B").kvar is None
    assert e3.pk not in res
    # Owner 01 sees its own agreement; a date outside validity sees nothing; unit filter narrows.
    assert "C" in {i.avtal_id for i in anvandbara_rader(kva_kod="CJE", region_kod="01", datum=IDAG)[e1.pk]}
    assert anvandbara_rader(kva_kod="CJE", region_kod="22", datum=IDAG + timedelta(days=5000)) == {}
    assert set(anvandbara_rader(kva_kod="CJE", region_kod="22", datum=IDAG, vardenhet_ids=[e2.pk])) == {e2.pk}
    assert set(anvandbara_rader(kva_kod="CJE", region_kod="22", datum=IDAG + timedelta(days=6))) == {e1.pk, e2.pk}
    assert {
        i.avtal_id
        for v in anvandbara_rader(kva_kod="CJE", region_kod="22", datum=IDAG + timedelta(days=6)).values()
        for i in v
    } >= {"D"}


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_cases_racing_for_the_last_unit_exactly_one_wins(katalog):
    importera_direkt(filnamn="a.csv", innehall=csv_bytes([rad(takvolym="1")]))
    linje = Avtalsrad.objects.get()
    r22 = region()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def reserve(ref: str) -> None:
        try:
            barrier.wait()
            volym_reservera(rad=linje, referens=ref, region=r22)
            results.append("ok")
        except ValidationError:
            results.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=reserve, args=(f"VF-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["full", "ok"]
    assert Volymreservation.objects.filter(status=Reservationsstatus.RESERVERAD).count() == 1
    assert Avtal.objects.count() == 1


def test_anvandbara_rader_left_equals_med_volym_without_join_or_group_by(katalog):
    """Issue 15 point 8: the search's agreement lines read the volume left by subqueries (no join to every
    reservation, no GROUP BY, no joins for Meta.ordering) and give the same `left` as `med_volym` for lines with
    reserved, consumed, released and reported volume, a reached cap and no cap."""
    from django.test.utils import CaptureQueriesContext

    from avtal.models import RapporteradVolym

    importera_direkt(
        filnamn="a.csv",
        innehall=csv_bytes(
            [
                rad(avtal_id="A", takvolym="10"),
                rad(avtal_id="B", takvolym="2"),
                rad(avtal_id="C", takvolym=""),
                rad(avtal_id="D", takvolym="5"),
            ]
        ),
    )
    a, b, c = (Avtalsrad.objects.get(avtal__avtal_id=x) for x in "ABC")
    for i in range(4):
        volym_reservera(rad=a, referens=f"VF-A{i}", region=region())
    Volymreservation.objects.filter(referens="VF-A0").update(status=Reservationsstatus.RESERVERAD)
    volym_slapp(referens="VF-A1")
    for i in range(2):
        volym_reservera(rad=b, referens=f"VF-B{i}", region=region())
    RapporteradVolym.objects.create(rad=b, region=region(), manad=IDAG.replace(day=1), antal=1)  # over the cap: 0
    volym_reservera(rad=c, referens="VF-C0", region=region())
    RapporteradVolym.objects.create(rad=a, region=region(), manad=IDAG.replace(day=1), antal=2)
    with CaptureQueriesContext(connection) as fragor:
        res = anvandbara_rader(kva_kod="CJE", region_kod="22", datum=IDAG)
    rader_sql = fragor.captured_queries[0]["sql"]
    utan = ('JOIN "avtal_volymreservation"', 'GROUP BY "avtal_avtalsrad', "katalog_kvagrupp", "vardformedling_region")
    assert [t for t in utan if t in rader_sql] == []
    kvar = {i.avtal_id: i.kvar for i in res[katalog["e1"].pk]}
    forvantat = dict(Avtalsrad.objects.med_volym().values_list("avtal__avtal_id", "left"))
    assert kvar == forvantat == {"A": 5, "B": 0, "C": None, "D": 5}
