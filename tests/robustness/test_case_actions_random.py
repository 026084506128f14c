"""Random input at every step action of a case and at the notes form: never a 500, a rejection is shown in
Swedish and changes nothing (rows, the case's status and version, volume reservations).

Each action is posted for a case in a state where it is legal, by a user whose role may take it, with random
values for each of its form's fields (derived from the form class, so a new field is covered without editing this
file). Every example runs in a savepoint that is rolled back, so all examples start from the same case. One
example per action is a valid submission, so each test also shows that the action can succeed.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import strategies as st

from arenden import forms as f
from arenden import services
from arenden.atgarder import ATGARDER
from arenden.models import Anteckning, Arende, ArendeHandelse, Erbjudande, Overforing, Resa, Status
from arenden.services import remisskuvert
from avtal.models import Volymreservation
from tests.factories import make_user
from tests.robustness.web import VALUES, assert_handled, counts, form_falt, giltig, run_form
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db

# The state an action is tried in where several are legal: one with a volume reservation. An action missing here
# (a new one) is tried in the first state it is legal in, so every entry of the registry is covered.
TILLSTAND = {
    "bedom": Status.BEHOV,
    "svar": Status.HITTA_VARDGIVARE,
    "aterkalla": Status.FORMEDLA,
    "overfor": Status.FORMEDLA,
    "resa": Status.BEKRAFTAD,
    "uppfoljning": Status.UPPFOLJNING,
    "avsluta": Status.UPPFOLJNING,
    "avsluta_tidigt": Status.FORMEDLA,
    "tilldela": Status.REMISS_SKICKAD,
    "bekrafta": Status.REMISS_SKICKAD,
    "utford": Status.BEKRAFTAD,
    "aterremittera": Status.UTFORD,
}
TABLES = (Arende, Erbjudande, ArendeHandelse, Overforing, Resa, Anteckning, Volymreservation)


def tillstand(namn: str) -> str:
    return TILLSTAND.get(namn) or next(s for s in Status.values if s in ATGARDER[namn].statusar)


def user_for(namn: str, lots, mottagare):
    """A user whose role may take the action (its registry permission)."""
    perm = ATGARDER[namn].behorighet
    if perm == "arenden.tilldela":
        return make_user(Roll.KOORDINATOR, "20", namn="Hypo Koordinator")
    return {"arenden.registrera": lots, "arenden.mottagning": mottagare}[perm]


def _client(user) -> Client:
    c = Client()
    c.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return c


def snapshot(arende) -> dict:
    """What a rejected action must leave as it was."""
    return {
        **counts(*TABLES),
        "arende": Arende.objects.values("status", "version", "mottagande_enhet_id", "handlaggare_id").get(pk=arende.pk),
        "erbjudanden": sorted(Erbjudande.objects.filter(arende=arende).values_list("pk", "status")),
        "reservationer": sorted(Volymreservation.objects.values_list("pk", "status")),
    }


@pytest.fixture
def arende_for(arende_i_steg, lots, mottagare, mottagande_enhet, avtalsrad):
    """`arende_for(namn)` → (case in the action's state, client allowed to take it, the offer the action is for)."""

    def _for(namn: str):
        status = tillstand(namn)
        arende = arende_i_steg(status)
        erbjudande = arende.erbjudanden.first()
        if namn == "svar":  # an open offer to answer, and one already declined
            avbojt = services.erbjudande_lamna(arende=arende, anvandare=lots, vardenhet=mottagande_enhet)
            services.erbjudande_besvara(erbjudande=avbojt, anvandare=lots, svar=False, avbojt_orsak="annat")
            erbjudande = services.erbjudande_lamna(
                arende=arende, anvandare=lots, vardenhet=mottagande_enhet, avtalsrad=avtalsrad, forvantat_datum=None
            )
        if namn == "brev_skickat":  # a digital offer unanswered for 14 days: the postal task
            erbjudande = services.erbjudande_lamna(
                arende=arende, anvandare=lots, vardenhet=mottagande_enhet, erbjudet_via=Erbjudande.Via.V1177
            )
            Erbjudande.objects.filter(pk=erbjudande.pk).update(skapad=timezone.now() - timedelta(days=14))
        if namn == "bekrafta":  # confirmed only after the unit has acknowledged its envelope (issue 16)
            remisskuvert.kvittera_arende(arende=arende, anvandare=mottagare, uppdrag=None)
        if namn == "avsluta":  # a case is closed only after the invoice is registered
            services.uppfoljning_registrera(arende=arende, anvandare=lots, faktura_belopp=9500)
        arende.refresh_from_db()
        assert ATGARDER[namn].mojlig(arende), f"{namn} is not legal in {arende.status}"
        return arende, _client(user_for(namn, lots, mottagare)), erbjudande

    return _for


# Submissions each a past bug: a valid form with these fields changed.
EXEMPEL = {
    "uppfoljning": [
        {"uppfoljning-faktura_belopp": "1e11"},  # was a 500: numeric field overflow (numeric(12,2))
        {"uppfoljning-resekostnad": "99999999999"},  # the same for numeric(10,2)
    ],
    "aterkalla": [{"aterkalla-version": None}],  # was a 422 with no visible message: the hidden field's error
    "bedom": [{"bedom-version": "abc"}],
    "aterringning": [{"aterringning-klar": None}],  # book one (the first valid value marks a booked one done)
}


@pytest.mark.parametrize("namn", sorted(ATGARDER))
def test_every_case_action_with_random_input_never_fails_and_a_rejection_changes_nothing(arende_for, namn):
    arende, client, erbjudande = arende_for(namn)
    form = ATGARDER[namn].formular_for(arende)
    version = str(arende.version)
    fields = {**form_falt(form, utom=["version"]), f"{namn}-version": st.one_of(st.just(version), VALUES)}
    valid = {**giltig(form, utom=["version"]), f"{namn}-version": version}
    if ATGARDER[namn].per_erbjudande:
        # another case's offer (404), and this case's offers in any state (an answered one: 409)
        andra = [str(pk) for pk in Erbjudande.objects.exclude(pk=erbjudande.pk).values_list("pk", flat=True)]
        fields["erbjudande"] = st.one_of(st.sampled_from(andra), VALUES) if andra else VALUES
        valid["erbjudande"] = str(erbjudande.pk)
    seen = run_form(
        client,
        f"/arenden/{arende.case_id}/atgard/{namn}/",
        valid=valid,
        fields=fields,
        before_after=lambda: snapshot(arende),
        examples=EXEMPEL.get(namn, ()),
    )
    assert seen & {200, 302}, f"no example of {namn} succeeded: {seen}"
    assert seen & {404, 409, 422}, f"no example of {namn} was rejected: {seen}"


@pytest.mark.parametrize("namn", sorted(ATGARDER))
def test_an_action_posted_in_a_state_where_it_is_not_offered_is_refused_with_a_message(
    arende_i_steg, lots, mottagare, namn
):
    # Was a 422 with no visible message: the page shows no form for the action, so its errors were not shown.
    arende = arende_i_steg(Status.AVSLUTAD)
    user = user_for(namn, lots, mottagare)
    form = ATGARDER[namn].formular_for(arende)
    data = {**giltig(form, utom=["version"]), f"{namn}-version": arende.version}
    if ATGARDER[namn].per_erbjudande:
        data["erbjudande"] = arende.erbjudanden.first().pk
    before = snapshot(arende)
    response = _client(user).post(f"/arenden/{arende.case_id}/atgard/{namn}/", data)
    assert response.status_code == 409
    assert any("status ”Avslutat”" in m for m in assert_handled(response))
    assert snapshot(arende) == before


@pytest.mark.parametrize("namn", ["svar", "aterkalla"])
def test_answering_or_withdrawing_an_offer_already_declined_is_refused_with_a_message(
    arende_i_steg, lots, mottagande_enhet, namn
):
    arende = arende_i_steg(Status.HITTA_VARDGIVARE)
    e = services.erbjudande_lamna(arende=arende, anvandare=lots, vardenhet=mottagande_enhet)
    services.erbjudande_besvara(erbjudande=e, anvandare=lots, svar=False, avbojt_orsak="annat")
    arende.refresh_from_db()
    data = {f"{namn}-version": arende.version, f"{namn}-svar": "ja", f"{namn}-motivering": "x", "erbjudande": e.pk}
    before = snapshot(arende)
    response = _client(lots).post(f"/arenden/{arende.case_id}/atgard/{namn}/", data)
    assert response.status_code == 409
    assert "Erbjudandet är redan avböjt." in " ".join(assert_handled(response))
    assert snapshot(arende) == before


def test_every_case_action_is_tried_in_a_state_where_it_is_legal():
    assert set(TILLSTAND) <= set(ATGARDER)
    assert all(tillstand(namn) in ATGARDER[namn].statusar for namn in ATGARDER)


def test_notes_with_random_input_never_fail_and_a_rejection_writes_nothing(arende_i_steg, lots):
    arende = arende_i_steg(Status.HITTA_VARDGIVARE)
    form = f.AnteckningForm(prefix="anteckning")
    seen = run_form(
        _client(lots),
        f"/arenden/{arende.case_id}/anteckningar/",
        valid=giltig(form),
        fields=form_falt(form),
        before_after=lambda: snapshot(arende),
        examples=[{"anteckning-text": "\u200b"}, {"anteckning-text": "x" * 2001}],
    )
    assert seen & {200, 302} and 422 in seen, seen


def test_a_receiving_unit_cannot_write_notes(arende_i_steg, mottagare):
    arende = arende_i_steg(Status.REMISS_SKICKAD)
    response = _client(mottagare).post(
        f"/arenden/{arende.case_id}/anteckningar/", {"anteckning-typ": "anteckning", "anteckning-text": "x"}
    )
    assert response.status_code == 403
    assert not Anteckning.objects.filter(arende=arende).exists()
