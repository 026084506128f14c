"""An offer's agreement line must cover the offered unit, by the agreements' one rule (AvtalQuerySet.omfattar)."""

import pytest
from django.core.exceptions import ValidationError

from arenden import services
from tests.factories import VardenhetFactory, VardgivareFactory

FEL = "Avtalsraden gäller inte {}."


def test_a_line_of_an_agreement_naming_another_unit_is_refused(arende_i_steg, lots, mottagande_enhet, avtalsrad):
    annan = VardenhetFactory(namn="Testkliniken Gävle", vardgivare=mottagande_enhet.vardgivare)
    avtalsrad.avtal.vardenheter.set([mottagande_enhet])
    a = arende_i_steg("hitta_vardgivare")
    with pytest.raises(ValidationError) as exc:
        services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=annan, avtalsrad=avtalsrad)
    assert FEL.format("Testkliniken Gävle") in exc.value.messages
    e = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet, avtalsrad=avtalsrad)
    assert e.avtalsrad == avtalsrad


def test_a_line_of_another_providers_agreement_is_refused(arende_i_steg, lots, avtalsrad):
    annan = VardenhetFactory(namn="Annan klinik", vardgivare=VardgivareFactory())
    a = arende_i_steg("hitta_vardgivare")
    with pytest.raises(ValidationError) as exc:
        services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=annan, avtalsrad=avtalsrad)
    assert FEL.format("Annan klinik") in exc.value.messages
