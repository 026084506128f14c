"""Issue #19 point 5: the cooperation checklist on an agreement line (agreement page, offers, receiving unit) and the
case's deviation log, visible to and written by both parties."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from arenden.models import Avvikelse
from tests.factories import make_user
from vardformedling.models import Roll


def klient(user):
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


CHECKLISTA = {
    "vardsteg": "Preoperativt besök, operation, återbesök efter 4 veckor",
    "resultat_ges_av": "Opererande enhet vid återbesöket",
    "avvikelser_rapporteras": "Via avvikelseloggen i ärendet inom 2 arbetsdagar",
    "kontaktvagar": "Koordinator 023-49 00 00",
}


@pytest.mark.django_db
def test_owner_keeps_the_checklist_shown_on_agreement_and_offer(avtalsrad, arende_i_steg, mottagare):
    url = reverse("avtal:samverkan", args=[avtalsrad.pk])
    data = {f"samverkan-{avtalsrad.pk}-{k}": v for k, v in CHECKLISTA.items()}
    agare = make_user(Roll.KOORDINATOR, "20")
    fel = klient(agare).post(
        url, {**data, f"samverkan-{avtalsrad.pk}-vardsteg": " "}, HTTP_HX_REQUEST="true", secure=True
    )
    assert fel.status_code == 422 and "Skriv vilka vårdsteg som ingår" in fel.content.decode()
    assert klient(make_user(Roll.KOORDINATOR, "06")).post(url, data, secure=True).status_code == 403
    assert klient(mottagare).post(url, data, secure=True).status_code == 403
    ok = klient(agare).post(url, data, HTTP_HX_REQUEST="true", secure=True)
    assert ok.status_code == 200 and "Samverkansvillkoren för CJE är sparade." in ok.content.decode()
    sida = klient(make_user(Roll.VARDLOTS, "22")).get(
        reverse("avtal:detalj", args=[avtalsrad.avtal.avtal_id]), secure=True
    )
    assert "Opererande enhet vid återbesöket" in sida.content.decode()
    a = arende_i_steg("bekraftad")
    arende_sida = klient(mottagare).get(reverse("arenden:arende", args=[a.case_id]), secure=True).content.decode()
    assert "Preoperativt besök, operation, återbesök efter 4 veckor" in arende_sida  # the receiving unit sees it


@pytest.mark.django_db
def test_deviation_log_both_parties(arende_i_steg, lots, mottagare):
    a = arende_i_steg("bekraftad")
    url = reverse("arenden:avvikelse", args=[a.case_id])
    fel = klient(lots).post(url, {"avvikelse-vad": "x", "avvikelse-nar": str(date.today() + timedelta(days=3))},
                            HTTP_HX_REQUEST="true", secure=True)  # fmt: skip
    assert fel.status_code == 422 and "Datumet kan inte ligga i framtiden." in fel.content.decode()
    data = {"avvikelse-vad": "Remissen saknade provsvar", "avvikelse-nar": str(date.today()),
            "avvikelse-atgard": "Provsvar skickade på nytt"}  # fmt: skip
    assert klient(mottagare).post(url, data, HTTP_HX_REQUEST="true", secure=True).status_code == 200
    sida = klient(lots).get(reverse("arenden:arende", args=[a.case_id]), secure=True).content.decode()
    assert "Remissen saknade provsvar" in sida and "Provsvar skickade på nytt" in sida
    klient(lots).post(url, {**data, "avvikelse-vad": "Patienten fick fel tid"}, secure=True)
    sida = klient(mottagare).get(reverse("arenden:arende", args=[a.case_id]), secure=True).content.decode()
    assert "Patienten fick fel tid" in sida
    egen = Avvikelse.objects.get(rapporterad_av=lots)  # stored only sealed (issue 16)
    assert egen.vad_chiffer and b"Patienten fick fel tid" not in bytes(egen.vad_chiffer)
    # Another region's navigator does not reach the case.
    assert klient(make_user(Roll.VARDLOTS, "06")).post(url, data, secure=True).status_code == 404
