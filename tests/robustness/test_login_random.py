"""Random input at the sign-in form and the commission switch: never a 500, a Swedish message when refused, no
redirect off the site, no account or commission changed, and never a commission that is not the user's own."""

from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from tests.factories import VardenhetFactory, make_user
from tests.robustness.web import HYP, SONDER, VALUES, assert_handled, counts, form_data
from vardformedling.middleware import SESSION_UPPDRAG
from vardformedling.models import Medarbetaruppdrag, Roll, User

pytestmark = pytest.mark.django_db

NEXT = st.one_of(
    st.sampled_from(["/", "/avtal/", "//evil.example/", "https://evil.example/", "javascript:alert(1)", "/\\evil"]),
    VALUES,
)


def _local(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\"))


@pytest.fixture
def konto(db):
    return make_user(Roll.VARDLOTS, "20", hsa_id="SE2321000180-HYP1", namn="Hypo Lots")


@HYP
@given(
    data=st.fixed_dictionaries(
        {}, optional={"hsa_id": st.one_of(st.just("SE2321000180-HYP1"), st.just(" SE2321000180-HYP1 "), VALUES)}
    ).flatmap(lambda d: st.fixed_dictionaries({}, optional={"next": NEXT}).map(lambda n: {**d, **n})),
    query_next=st.one_of(st.none(), NEXT),
)
@example(data={"hsa_id": "\x00"}, query_next=None)
@example(data={"hsa_id": "Ö" * 500, "next": "x" * 3000}, query_next=None)
@example(data={"hsa_id": "SE2321000180-HYP1", "next": "\x00"}, query_next=None)
def test_sign_in_with_random_input_never_fails_and_never_redirects_off_the_site(konto, data, query_next):
    with transaction.atomic():
        before = counts(User, Medarbetaruppdrag)
        client = Client()
        url = "/login/" if query_next is None else "/login/?" + urlencode({"next": query_next})
        response = client.post(url, data)
        assert_handled(response, ok=(200, 302, 400, 429))
        if response.status_code == 302:
            assert _local(response["Location"]), response["Location"]
            assert client.session.get("_auth_user_id") == str(konto.pk)
        else:
            assert "_auth_user_id" not in client.session
        assert counts(User, Medarbetaruppdrag) == before
        transaction.set_rollback(True)


@pytest.fixture
def tva_uppdrag(client):
    user = make_user(Roll.VARDLOTS, "20", namn="Hypo Tvåuppdrag")
    Medarbetaruppdrag.objects.create(user=user, roll=Roll.MOTTAGARE, vardenhet=VardenhetFactory())
    annans = Medarbetaruppdrag.objects.exclude(user=user).first() or make_user(Roll.KOORDINATOR, "06").uppdrag.get()
    client.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    return client, set(user.uppdrag.values_list("pk", flat=True)), annans.pk


def test_switching_commission_with_random_input_only_ever_picks_one_of_the_users_own(tva_uppdrag):
    client, egna, annans = tva_uppdrag
    uppdrag = st.one_of(st.sampled_from([str(pk) for pk in sorted(egna)] + [str(annans)]), VALUES)

    @HYP
    @given(data=form_data(["uppdrag"], uppdrag).flatmap(lambda d: form_data(["next"], NEXT).map(lambda n: {**d, **n})))
    @example(data={"uppdrag": "9" * 5000})  # int() refuses more than 4,300 digits
    @example(data={"uppdrag": "²"})
    @example(data={"uppdrag": "9" * 30})  # beyond a bigint
    @example(data={"uppdrag": str(annans)})
    @example(data={"uppdrag": "".join(chr(0xFF10 + int(c)) for c in str(min(egna)))})  # full-width digits
    def switch(data):
        with transaction.atomic():
            before = counts(Medarbetaruppdrag)
            response = client.post("/uppdrag/byt/", data)
            messages = assert_handled(response, ok=(302,))
            assert _local(response["Location"]), response["Location"]
            valt = client.session.get(SESSION_UPPDRAG)
            assert valt is None or valt in egna
            if str(data.get("uppdrag", "")).strip() not in {str(pk) for pk in egna}:
                assert messages, "a refused switch must say why"
            assert counts(Medarbetaruppdrag) == before
            transaction.set_rollback(True)

    switch()


@pytest.mark.parametrize("varde", SONDER, ids=["snedstreck", "a-b", "upp-upp", "100000-tecken"])
def test_sign_in_and_commission_switch_take_path_like_and_very_long_values_in_every_field(konto, tva_uppdrag, varde):
    for data in ({"hsa_id": varde}, {"hsa_id": "SE2321000180-HYP1", "next": varde}):
        anonym = Client()
        response = anonym.post("/login/", data)
        assert_handled(response, ok=(200, 302, 400, 429))
        if response.status_code == 302:
            assert _local(response["Location"]), response["Location"]
    client, egna, _annans = tva_uppdrag
    for data in ({"uppdrag": varde}, {"uppdrag": str(min(egna)), "next": varde}):
        response = client.post("/uppdrag/byt/", data)
        assert_handled(response, ok=(302,))
        assert _local(response["Location"]), response["Location"]
        assert client.session.get(SESSION_UPPDRAG) in (None, *egna)
