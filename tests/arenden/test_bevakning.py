"""Issue 17 point 5: a parked case ("bevakas") leaves the worklist and comes back, with a notice to its handler, when
a capacity announcement that fits it is published; booked call-backs that are due head the worklist."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from arenden import services
from arenden.models import Arende, ArendeHandelse
from katalog.models import Kapacitetsannons, KvaGrupp, Vardutbud
from katalog.services import kapacitetsannons_skapa
from vardformedling.models import Notis

pytestmark = pytest.mark.django_db


def _lista(user, **params) -> str:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    r = c.get("/arenden/", {"flik": "alla", **params}, secure=True)
    assert r.status_code == 200
    return r.content.decode()


def _steg2(registrera, lots, **kw):
    a = registrera(**kw)
    return services.arende_bedom(arende=a, anvandare=lots, lamplig=True)


@pytest.fixture
def utbud(avtalsrad):
    enhet = avtalsrad.avtal.vardgivare.vardenheter.get()
    return Vardutbud.objects.create(vardenhet=enhet, kva_id="CJE", max_asa=3, narkos=False)


def _publicera(mottagare, mottagare_uppdrag, **kw):
    data = {"typ": Kapacitetsannons.Typ.ERBJUDER, "kva": KvaGrupp.objects.get(kod="CJE"), "antal": 5,
            "period": "v. 10–12", "kontakt": "kapacitet@example.se", "giltig_till": date.today() + timedelta(days=14),
            **kw}  # fmt: skip
    return kapacitetsannons_skapa(user=mottagare, uppdrag=mottagare_uppdrag, data=data)


def test_a_parked_case_resurfaces_with_a_notice_when_fitting_capacity_is_published(
    registrera, lots, utbud, mottagare, mottagare_uppdrag
):
    passar = _steg2(registrera, lots, asa_klass=3)
    for_hog_asa = _steg2(registrera, lots, asa_klass=4)
    for a in (passar, for_hog_asa):
        services.arende_bevaka(arende=a, val="bevaka", orsak="ASA, ingen enhet med rätt kompetens", anvandare=lots)
    sida = _lista(lots)
    assert passar.case_id not in sida and for_hog_asa.case_id not in sida
    assert passar.case_id in _lista(lots, bevakade="1")

    _publicera(mottagare, mottagare_uppdrag)

    passar.refresh_from_db()
    for_hog_asa.refresh_from_db()
    assert passar.bevakas_sedan is None and passar.bevakning_vaknade is not None
    assert "Testkliniken Uppsala erbjuder 5 × CJE v. 10–12" in passar.bevakning_varfor
    assert for_hog_asa.bevakas_sedan is not None  # the unit takes ASA 1–3 only
    sida = _lista(lots)
    assert passar.case_id in sida and for_hog_asa.case_id not in sida
    assert "Åter från bevakning" in sida
    notis = Notis.objects.get(typ="bevakning")
    assert notis.anvandare == lots and notis.region_id is None
    assert notis.rubrik == f"Bevakat ärende {passar.case_id} är åter i arbetslistan"
    assert notis.lank == f"/arenden/{passar.case_id}/"
    assert ArendeHandelse.objects.filter(arende=passar, handelse="Åter från bevakning").count() == 1


def test_capacity_of_another_group_or_for_a_region_not_allowed_wakes_nothing(
    registrera, lots, utbud, avtalsrad, mottagare, mottagare_uppdrag
):
    a = _steg2(registrera, lots, asa_klass=1)
    services.arende_bevaka(arende=a, val="bevaka", orsak="Väntar på kapacitet", anvandare=lots)
    Vardutbud.objects.create(vardenhet=utbud.vardenhet, kva_id="NGB", max_asa=3)
    _publicera(mottagare, mottagare_uppdrag, kva=KvaGrupp.objects.get(kod="NGB"))
    a.refresh_from_db()
    assert a.bevakas_sedan is not None
    avtal = avtalsrad.avtal
    avtal.avtalsagare_id = "06"
    avtal.far_nyttjas_av_alla = False
    avtal.save()  # region 20 (the case's) may not use the agreement, and the unit is in region 03
    _publicera(mottagare, mottagare_uppdrag)
    a.refresh_from_db()
    assert a.bevakas_sedan is not None
    assert not Notis.objects.filter(typ="bevakning").exists()


def test_a_unit_that_starts_taking_the_asa_class_wakes_the_parked_case(registrera, lots, utbud):
    a = _steg2(registrera, lots, asa_klass=4)
    services.arende_bevaka(arende=a, val="bevaka", orsak="ASA 4", anvandare=lots)
    utbud.max_asa = 4
    utbud.save()
    a.refresh_from_db()
    assert a.bevakas_sedan is None
    assert a.bevakning_varfor == "Testkliniken Uppsala tar nu emot CJE (upp till ASA 4)."


def test_parking_needs_a_reason_and_ending_it_needs_a_parked_case(registrera, lots):
    a = registrera()
    with pytest.raises(ValidationError) as exc:
        services.arende_bevaka(arende=a, val="bevaka", orsak="  ", anvandare=lots)
    assert "Skriv varför ärendet ska bevakas" in str(exc.value)
    with pytest.raises(ValidationError, match="Ärendet bevakas inte"):
        services.arende_bevaka(arende=a, val="avsluta", anvandare=lots)
    a = services.arende_bevaka(arende=a, val="bevaka", orsak="Väntar", anvandare=lots)
    a = services.arende_bevaka(arende=a, val="avsluta", anvandare=lots)
    assert a.bevakas_sedan is None
    assert a.case_id in _lista(lots)


def test_due_call_backs_head_the_worklist_earliest_first(registrera, lots):
    idag = timezone.localdate()
    forst_i_garanti = registrera(beslutsdatum=idag - timedelta(days=80))  # guarantee in 10 days: first by date
    ingen = registrera(beslutsdatum=idag - timedelta(days=70))
    senare_bokad = registrera(beslutsdatum=idag - timedelta(days=10))
    forfallen_tidig = registrera(beslutsdatum=idag - timedelta(days=5))
    forfallen_sen = registrera(beslutsdatum=idag - timedelta(days=1))
    imorgon = idag + timedelta(days=1)
    services.aterringning_boka(arende=senare_bokad, datum=imorgon, tid=time(9, 0), anteckning="Ring på mobilen",
                               anvandare=lots)  # fmt: skip
    # Due call-backs: booked earlier, their time has come (the service refuses a time already past).
    nu = timezone.now()
    Arende.objects.filter(pk=forfallen_sen.pk).update(aterringning=nu - timedelta(minutes=5))
    Arende.objects.filter(pk=forfallen_tidig.pk).update(aterringning=nu - timedelta(hours=2))

    sida = _lista(lots)
    ordning = sorted(
        (a.case_id for a in (forst_i_garanti, ingen, senare_bokad, forfallen_tidig, forfallen_sen)), key=sida.index
    )
    assert ordning == [forfallen_tidig.case_id, forfallen_sen.case_id, forst_i_garanti.case_id, ingen.case_id,
                       senare_bokad.case_id]  # fmt: skip
    assert sida.count("Ring upp ") == 2
    assert f"Återuppringning {imorgon.isoformat()} 09:00" in sida


def test_a_call_back_in_the_past_is_refused_and_one_done_is_cleared(registrera, lots):
    a = registrera()
    with pytest.raises(ValidationError, match="redan passerat"):
        igar = timezone.localdate() - timedelta(days=1)
        services.aterringning_boka(arende=a, datum=igar, tid=time(9), anvandare=lots)
    with pytest.raises(ValidationError, match="Ingen återuppringning"):
        services.aterringning_boka(arende=a, klar=True, anvandare=lots)
    a = services.aterringning_boka(arende=a, datum=timezone.localdate() + timedelta(days=2), tid=time(13, 30),
                                   anteckning="Patienten vill ha svar om Uppsala", anvandare=lots)  # fmt: skip
    assert timezone.localtime(a.aterringning).replace(tzinfo=None) == datetime.combine(
        timezone.localdate() + timedelta(days=2), time(13, 30)
    )
    anteckning = a.anteckningar.get()
    assert anteckning.text == "" and anteckning.text_chiffer  # the note is sealed, never in clear
    a = services.aterringning_boka(arende=a, klar=True, anvandare=lots)
    assert a.aterringning is None


def test_a_catalogue_import_or_agreement_upload_in_bulk_wakes_parked_cases_through_their_signals(
    registrera, lots, utbud, avtalsrad
):
    """Bulk writes send no post_save: the catalogue's `utbud_andrat` and the agreements' `rader_skapade` do."""
    from avtal.models import Avtal, Avtalsrad
    from avtal.signaler import rader_skapade
    from katalog.signaler import utbud_andrat

    asa4 = _steg2(registrera, lots, asa_klass=4)
    services.arende_bevaka(arende=asa4, val="bevaka", orsak="ASA 4", anvandare=lots)
    Vardutbud.objects.filter(pk=utbud.pk).update(max_asa=4)  # as the import's bulk_update
    utbud_andrat.send(sender=Vardutbud, utbud=[Vardutbud.objects.get(pk=utbud.pk)])
    asa4.refresh_from_db()
    assert asa4.bevakas_sedan is None and "upp till ASA 4" in asa4.bevakning_varfor

    vantar = _steg2(registrera, lots, asa_klass=1)
    services.arende_bevaka(arende=vantar, val="bevaka", orsak="Inget avtal", anvandare=lots)
    avtal = Avtal.objects.create(
        avtalsagare_id="20", avtal_id="TEST-2026-2", vardgivare=avtalsrad.avtal.vardgivare, avtalstyp="upphandlat",
        giltig_fran=date.today() - timedelta(days=1), giltig_till=date.today() + timedelta(days=300),
    )  # fmt: skip
    rader = Avtalsrad.objects.bulk_create([Avtalsrad(avtal=avtal, kva=KvaGrupp.objects.get(kod="CJE"))])
    rader_skapade.send(sender=Avtalsrad, rader=rader)
    vantar.refresh_from_db()
    assert vantar.bevakas_sedan is None and vantar.bevakning_varfor.startswith("Ny avtalsrad för CJE")
