"""Every transition through the services, and the refused ones."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from arenden import services
from arenden.models import Arende, Avslutsorsak, Erbjudande, Status
from avtal.models import Volymreservation


def test_registration_sets_guarantee_deadline_from_region_and_writes_history(registrera):
    a = registrera(beslutsdatum=date(2026, 1, 10))
    assert a.status == Status.BEHOV and a.steg == 1
    assert a.vardgaranti_datum == date(2026, 1, 10) + timedelta(days=a.region.vardgaranti_dagar)
    assert a.handelser.get().handelse == "Ärendet registrerades"
    assert len(a.identitet.personnummer) == 12


def test_registration_uses_shorter_guarantee_of_region(registrera):
    from tests.factories import make_user
    from vardformedling.models import Medarbetaruppdrag, Region, Roll

    halland = Region.objects.get(kod="13")
    halland.vardgaranti_dagar = 60
    halland.save()
    lots13 = make_user(Roll.VARDLOTS, "13")
    uppdrag = Medarbetaruppdrag.objects.get(user=lots13)
    a = registrera(anvandare=lots13, uppdrag=uppdrag, region=halland, beslutsdatum=date(2026, 1, 10))
    assert a.vardgaranti_datum == date(2026, 3, 11)


def test_duplicate_open_case_same_patient_and_kva_is_refused_unless_confirmed(registrera):
    first = registrera(personnummer="19121212-1212")
    with pytest.raises(ValidationError) as exc:
        registrera(personnummer="191212121212")
    assert first.case_id in str(exc.value)
    second = registrera(personnummer="191212121212", tillat_dubblett=True)
    assert second.case_id != first.case_id


def test_invalid_personnummer_is_refused(registrera):
    with pytest.raises(ValidationError, match="kontrollsiffra"):
        registrera(personnummer="19121212-1213")


def test_samordningsnummer_is_accepted(registrera):
    a = registrera(personnummer="701063-2391")
    assert a.identitet.personnummer == "197010632391"


@pytest.mark.parametrize(
    "status",
    ["behov", "hitta_vardgivare", "formedla", "remiss_skickad", "bekraftad", "utford", "uppfoljning", "avslutad"],
)
def test_case_can_be_driven_through_every_step(arende_i_steg, status):
    a = arende_i_steg(status)
    a.refresh_from_db()
    assert a.status == status
    assert a.handelser.last().till_status == status


def test_full_journey_reserves_then_consumes_volume_and_invoice_defaults_to_price(arende_i_steg, avtalsrad):
    a = arende_i_steg("formedla")
    assert Volymreservation.objects.get(referens=a.case_id).status == "reserverad"
    a = arende_i_steg("avslutad")
    assert Volymreservation.objects.get(referens=a.case_id).status == "forbrukad"
    assert a.faktura_belopp == avtalsrad.pris_kr
    assert a.steg == 5


def test_not_suitable_ends_case_early_and_needs_reason(registrera, lots):
    a = registrera()
    with pytest.raises(ValidationError, match="motivering"):
        services.arende_bedom(arende=a, anvandare=lots, lamplig=False)
    a = services.arende_bedom(arende=a, anvandare=lots, lamplig=False, motivering="Hjärtsvikt")
    assert a.status == Status.AVSLUTAD_TIDIGT and a.avslutsorsak == Avslutsorsak.MEDICINSKT_OLAMPLIG


def test_skipped_step_is_refused_with_swedish_message(arende_i_steg, lots):
    a = arende_i_steg("hitta_vardgivare")
    with pytest.raises(ValidationError, match="Det går inte att skicka remissen när ärendet har status"):
        services.arende_overfor(arende=a, anvandare=lots, dokument=["remiss"])
    with pytest.raises(ValidationError, match="avsluta ärendet"):
        services.arende_avsluta(arende=a, anvandare=lots)
    a.refresh_from_db()
    assert a.status == Status.HITTA_VARDGIVARE


def test_offer_cannot_be_made_before_assessment(registrera, lots, mottagande_enhet):
    a = registrera()
    with pytest.raises(ValidationError, match="lämna erbjudanden"):
        services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet)


def test_status_field_cannot_be_assigned_directly(registrera):
    a = registrera()
    with pytest.raises(AttributeError):
        a.status = Status.AVSLUTAD


def test_declined_offer_needs_reason_and_keeps_case_searching(arende_i_steg, lots, mottagande_enhet):
    a = arende_i_steg("hitta_vardgivare")
    e = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet)
    assert e.svarsfrist == date.today() + timedelta(days=14)
    with pytest.raises(ValidationError, match="Välj varför"):
        services.erbjudande_besvara(erbjudande=e, anvandare=lots, svar=False)
    services.erbjudande_besvara(erbjudande=e, anvandare=lots, svar=False, avbojt_orsak="for_langt_bort")
    e.refresh_from_db()
    a.refresh_from_db()
    assert e.status == Erbjudande.Status.AVBOJT and a.status == Status.HITTA_VARDGIVARE


def test_accepting_withdraws_other_open_offers(arende_i_steg, lots, mottagande_enhet):
    from tests.factories import VardenhetFactory

    a = arende_i_steg("hitta_vardgivare")
    e1 = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet)
    e2 = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=VardenhetFactory())
    services.erbjudande_besvara(erbjudande=e1, anvandare=lots, svar=True)
    e2.refresh_from_db()
    assert e2.status == Erbjudande.Status.ATERKALLAT
    a.refresh_from_db()
    assert a.mottagande_enhet == mottagande_enhet


def test_withdrawing_accepted_offer_releases_volume(arende_i_steg, lots):
    a = arende_i_steg("formedla")
    e = a.erbjudanden.get(status="accepterat")
    services.erbjudande_aterkalla(erbjudande=e, anvandare=lots, motivering="Fel enhet")
    a.refresh_from_db()
    assert a.status == Status.HITTA_VARDGIVARE and a.mottagande_enhet is None
    assert Volymreservation.objects.get(referens=a.case_id).status == "slappt"


def test_patient_changing_mind_after_accepting_releases_volume(arende_i_steg, lots):
    a = arende_i_steg("formedla")
    e = a.erbjudanden.get(status="accepterat")
    services.erbjudande_besvara(erbjudande=e, anvandare=lots, svar=False, avbojt_orsak="vill_vanta")
    assert Volymreservation.objects.get(referens=a.case_id).status == "slappt"


def test_accepting_when_cap_reached_is_refused_and_nothing_changes(arende_i_steg, lots, mottagande_enhet, avtalsrad):
    arende_i_steg("formedla")
    arende_i_steg("formedla")  # cap is 2
    a = arende_i_steg("hitta_vardgivare")
    e = services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet, avtalsrad=avtalsrad)
    with pytest.raises(ValidationError, match="Takvolymen är nådd"):
        services.erbjudande_besvara(erbjudande=e, anvandare=lots, svar=True)
    a.refresh_from_db()
    e.refresh_from_db()
    assert a.status == Status.HITTA_VARDGIVARE and e.status == Erbjudande.Status.LAMNAT


@pytest.mark.parametrize("status", ["behov", "hitta_vardgivare", "formedla", "remiss_skickad", "bekraftad", "utford"])
def test_early_ending_at_any_step_records_reason_and_step(arende_i_steg, lots, status):
    a = arende_i_steg(status)
    steg = a.steg
    a = services.arende_avsluta_tidigt(
        arende=a, anvandare=lots, orsak=Avslutsorsak.BEHANDLAD_I_HEMREGION, motivering="Fick tid hemma"
    )
    assert a.status == Status.AVSLUTAD_TIDIGT and a.avslutad_i_steg == steg
    reservation = Volymreservation.objects.filter(referens=a.case_id).first()
    if status in ("formedla", "remiss_skickad", "bekraftad"):
        assert reservation.status == "slappt"
    if status == "utford":
        assert reservation.status == "forbrukad"


def test_closed_case_cannot_be_ended_again(arende_i_steg, lots):
    a = arende_i_steg("avslutad")
    with pytest.raises(ValidationError, match="Avslutat"):
        services.arende_avsluta_tidigt(arende=a, anvandare=lots, orsak="annat", motivering="x")


def test_closing_requires_invoice(arende_i_steg, lots, mottagande_enhet):
    a = arende_i_steg("uppfoljning")
    with pytest.raises(ValidationError, match="fakturabelopp"):
        services.arende_avsluta(arende=a, anvandare=lots)
    a.refresh_from_db()
    assert a.status == Status.UPPFOLJNING


def test_only_the_receiving_unit_confirms(arende_i_steg, lots, lots_uppdrag):
    a = arende_i_steg("remiss_skickad")
    with pytest.raises(ValidationError, match="Endast den mottagande enheten"):
        services.remiss_bekrafta(arende=a, anvandare=lots, uppdrag=lots_uppdrag, planerat_datum=date.today())


def test_travel_is_recorded_in_step_3(arende_i_steg, lots):
    a = arende_i_steg("formedla")
    r = services.resa_registrera(arende=a, anvandare=lots, fardsatt="tag", bokad_av="hemregion", hotellnatt=True)
    assert r.hotellnatt and a.resor.count() == 1
    b = arende_i_steg("hitta_vardgivare")
    with pytest.raises(ValidationError, match="sjukresa"):
        services.resa_registrera(arende=b, anvandare=lots, fardsatt="tag", bokad_av="hemregion")


def test_stale_version_gets_the_changed_message(registrera, lots):
    a = registrera()
    version = a.version
    services.arende_bedom(arende=a, anvandare=lots, lamplig=True, version=version)
    with pytest.raises(ValidationError, match="Ärendet har ändrats av någon annan"):
        services.arende_avsluta_tidigt(arende=a, anvandare=lots, orsak="behov_upphort", version=version)
    assert Arende.objects.get(pk=a.pk).status == Status.HITTA_VARDGIVARE
