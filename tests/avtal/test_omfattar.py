"""'An agreement covers a unit', the one rule (AvtalQuerySet.omfattar): the agreement is with the unit's provider and
names no units or names this one. The search, the unit page and the offer service all follow it."""

import pytest

from avtal.api import anvandbara_rader, avtal_for_enhet
from avtal.models import Avtal, Avtalsrad
from avtal.uppladdning import importera_direkt
from tests.avtal.conftest import IDAG, csv_bytes, rad


@pytest.fixture
def avtal(katalog):
    u = importera_direkt(
        filnamn="a.csv",
        innehall=csv_bytes(
            [
                rad(avtal_id="NAMNGER-E1", far_nyttjas_av="alla"),  # Testögon, names unit e1
                rad(avtal_id="HELA-TESTOGON", vardenhet_hsaid="", far_nyttjas_av="alla"),  # all Testögon's units
                rad(avtal_id="KNA", vardgivare_orgnr="556111-2227", vardenhet_hsaid="", far_nyttjas_av="alla"),
            ]
        ),
    )
    assert u.status == "tillampad", u.fel
    return katalog


def _ids(qs) -> set[str]:
    return {a.avtal_id for a in qs}


def test_an_agreement_covers_the_units_it_names_or_all_its_providers_units(avtal):
    e1, e2, e3 = avtal["e1"], avtal["e2"], avtal["e3"]
    assert _ids(Avtal.objects.omfattar(e1)) == {"NAMNGER-E1", "HELA-TESTOGON"}
    assert _ids(Avtal.objects.omfattar(e2)) == {"HELA-TESTOGON"}
    assert _ids(Avtal.objects.omfattar(e3)) == {"KNA"}
    par = set(Avtal.objects.omfattade_enheter())
    pk = {a.avtal_id: a.pk for a in Avtal.objects.all()}
    assert par == {
        (pk["NAMNGER-E1"], e1.pk),
        (pk["HELA-TESTOGON"], e1.pk),
        (pk["HELA-TESTOGON"], e2.pk),
        (pk["KNA"], e3.pk),
    }
    assert set(Avtal.objects.omfattade_enheter([e2.pk])) == {(pk["HELA-TESTOGON"], e2.pk)}


def test_a_unit_that_moved_to_another_provider_is_no_longer_covered_anywhere(avtal):
    """The strictest of the four former copies: the offer service also required the agreement's provider. The search
    and the unit page listed an agreement that named the unit even after the unit changed provider."""
    e1, kna = avtal["e1"], avtal["kna"]
    e1.vardgivare = kna
    e1.save(update_fields=["vardgivare"])
    assert _ids(Avtal.objects.omfattar(e1)) == {"KNA"}
    assert {i.avtal_id for i in anvandbara_rader(kva_kod="CJE", region_kod="22", datum=IDAG)[e1.pk]} == {"KNA"}
    assert _ids(avtal_for_enhet(e1)) == {"KNA"}
    assert {r.avtal.avtal_id for r in Avtalsrad.objects.omfattar(e1).select_related("avtal")} == {"KNA"}
