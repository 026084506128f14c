"""An offer's agreement line must be usable (`Avtalsrad.objects.anvandbara`, issue 22 finding 4 and issue 14 point 5):
it covers the offered unit (AvtalQuerySet.omfattar), is valid on the planned date and may be used by the case's
region – in the service, and the form offers only such lines and says why another is missing."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from arenden import services
from arenden.models import Erbjudande
from avtal.models import Avtal, Avtalsrad, Volymreservation
from katalog.models import KvaGrupp
from tests.factories import VardenhetFactory, VardgivareFactory
from vardformedling.models import Region

FEL = "Avtal TEST-2026-1 omfattar inte {}."


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


# --- Usable lines: valid on the planned date, usable by the case's region (issue 22 finding 4) ------------------------


def _rad(enhet, avtal_id, *, agare="03", fran=-100, till=300, alla=False, regioner=()):
    idag = timezone.localdate()
    avtal = Avtal.objects.create(
        avtalsagare=Region.objects.get(kod=agare),
        avtal_id=avtal_id,
        vardgivare=enhet.vardgivare,
        avtalstyp="upphandlat",
        giltig_fran=idag + timedelta(days=fran),
        giltig_till=idag + timedelta(days=till),
        far_nyttjas_av_alla=alla,
    )
    avtal.far_nyttjas_av.set(Region.objects.filter(kod__in=regioner))
    return Avtalsrad.objects.create(avtal=avtal, kva=KvaGrupp.objects.get(kod="CJE"), pris_kr=9000, takvolym=5)


def test_another_region_s_own_line_is_refused_and_reserves_nothing(arende_i_steg, lots, mottagande_enhet):
    # The attack: a Dalarna navigator reserved volume on region 03's line that nobody else may use.
    rad03 = _rad(mottagande_enhet, "RS 2026/0300", agare="03")
    a = arende_i_steg("hitta_vardgivare")
    with pytest.raises(ValidationError) as exc:
        services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet, avtalsrad=rad03)
    assert exc.value.message_dict["avtalsrad"] == ["Avtal RS 2026/0300 (region 03) får inte nyttjas av region 20."]
    assert not Erbjudande.objects.filter(arende=a).exists() and not Volymreservation.objects.exists()
    # Named for region 20, it may be used.
    rad03.avtal.far_nyttjas_av.add(Region.objects.get(kod="20"))
    assert services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet, avtalsrad=rad03).pk


def test_an_expired_line_or_one_not_valid_on_the_planned_date_is_refused(arende_i_steg, lots, mottagande_enhet):
    # The attack: a case consumed volume on an expired line (issue 14: RS 2023/0401 ended before the offer).
    utgangen = _rad(mottagande_enhet, "RS 2023/0401", fran=-700, till=-5, alla=True)
    slutar_snart = _rad(mottagande_enhet, "RS 2026/0002", till=20, alla=True)
    a = arende_i_steg("hitta_vardgivare")
    with pytest.raises(ValidationError) as exc:
        services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet, avtalsrad=utgangen)
    assert "Avtal RS 2023/0401 gäller" in exc.value.message_dict["avtalsrad"][0]
    planerat = timezone.localdate() + timedelta(days=40)
    with pytest.raises(ValidationError) as exc:
        services.erbjudande_lamna(
            arende=a, anvandare=lots, vardenhet=mottagande_enhet, avtalsrad=slutar_snart, forvantat_datum=planerat
        )
    assert f"inte det planerade datumet {planerat}" in exc.value.message_dict["avtalsrad"][0]
    assert not Erbjudande.objects.filter(arende=a).exists()
    services.erbjudande_lamna(arende=a, anvandare=lots, vardenhet=mottagande_enhet, avtalsrad=slutar_snart)


def test_the_offer_form_lists_only_usable_lines_and_says_why_the_others_are_missing(
    arende_i_steg, lots, mottagande_enhet, avtalsrad
):
    utgangen = _rad(mottagande_enhet, "RS 2023/0401", fran=-700, till=-5, alla=True)
    rad03 = _rad(mottagande_enhet, "RS 2026/0300", agare="03")
    annan_vardgivare = _rad(VardenhetFactory(vardgivare=VardgivareFactory()), "ANNAN-1", alla=True)
    a = arende_i_steg("hitta_vardgivare")
    client = Client()
    client.force_login(lots, backend="vardformedling.auth.SithsStubBackend")
    url = f"/arenden/{a.case_id}/erbjudanden/nytt/"
    page = client.get(url, {"vardenhet": mottagande_enhet.hsa_id}).content.decode()
    val = re.search(r'<select name="avtalsrad".*?</select>', page, re.S).group(0)
    assert f'value="{avtalsrad.pk}"' in val
    for rad in (utgangen, rad03, annan_vardgivare):
        assert f'value="{rad.pk}"' not in val
    assert (
        "Avtal RS 2023/0401 gäller" in page and "Avtal RS 2026/0300 (region 03) får inte nyttjas av region 20" in page
    )
    assert "ANNAN-1" not in page  # another provider's lines are not the unit's at all

    # A line posted anyway is refused with the reason, without the internal id, and nothing is written.
    data = {
        "version": a.version,
        "vardenhet": mottagande_enhet.hsa_id,
        "avtalsrad": utgangen.pk,
        "erbjudet_via": "telefon",
        "svarsfrist": (timezone.localdate() + timedelta(days=14)).isoformat(),
    }
    response = client.post(url, data)
    body = response.content.decode()
    assert response.status_code == 422
    assert "Avtal RS 2023/0401 gäller" in body and "tillgängliga alternativ" not in body
    assert f"{utgangen.pk} finns" not in body
    skal = {
        annan_vardgivare.pk: "Avtal ANNAN-1 omfattar inte Testkliniken Uppsala.",
        "9" * 30: "Den valda avtalsraden finns inte för Testkliniken Uppsala och CJE.",
        "abc": "Den valda avtalsraden finns inte för Testkliniken Uppsala och CJE.",
    }
    for annan, text in skal.items():
        response = client.post(url, {**data, "avtalsrad": annan})
        body = response.content.decode()
        assert response.status_code == 422 and text in body
        assert "tillgängliga alternativ" not in body
    assert not Erbjudande.objects.filter(arende=a).exists()
    assert client.post(url, {**data, "avtalsrad": avtalsrad.pk}).status_code == 302


def test_the_lines_follow_the_planned_date_in_the_form(arende_i_steg, lots, mottagande_enhet):
    slutar_snart = _rad(mottagande_enhet, "RS 2026/0002", till=20, alla=True)
    a = arende_i_steg("hitta_vardgivare")
    client = Client()
    client.force_login(lots, backend="vardformedling.auth.SithsStubBackend")
    data = {
        "version": a.version,
        "vardenhet": mottagande_enhet.hsa_id,
        "avtalsrad": slutar_snart.pk,
        "erbjudet_via": "telefon",
        "forvantat_datum": (timezone.localdate() + timedelta(days=40)).isoformat(),
        "svarsfrist": (timezone.localdate() + timedelta(days=14)).isoformat(),
    }
    response = client.post(f"/arenden/{a.case_id}/erbjudanden/nytt/", data)
    assert response.status_code == 422 and "inte det planerade datumet" in response.content.decode()
    data["forvantat_datum"] = (timezone.localdate() + timedelta(days=10)).isoformat()
    assert client.post(f"/arenden/{a.case_id}/erbjudanden/nytt/", data).status_code == 302
