"""The OIDC backend maps a SITHS IdP token onto the same user model, verified with a locally signed token."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation

from tests.factories import VardenhetFactory
from vardformedling.auth import SithsOIDCBackend
from vardformedling.models import Roll, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def idp_key(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_RP_IDP_SIGN_KEY = public_pem
    settings.OIDC_OP_JWKS_ENDPOINT = None
    settings.OIDC_RP_CLIENT_ID = "vardformedling"
    return key


def _token(key, **claims) -> str:
    payload = {
        "iss": "https://idp.example.se",
        "aud": "vardformedling",
        "exp": int(time.time()) + 300,
        "nonce": "n1",
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256")


def test_a_signed_token_creates_the_user_with_hsa_id_name_and_commissions(idp_key):
    enhet = VardenhetFactory(hsa_id="SE5560000001-OGON02")
    claims = {
        "hsa_id": "SE2321000180-NY01",
        "name": "Nina Ny",
        "commissions": [
            {"roll": "vardlots", "region": "20"},
            {"roll": "mottagare", "region": "03", "vardenhet": enhet.hsa_id},
        ],
    }
    token = _token(idp_key, **claims)
    backend = SithsOIDCBackend()
    payload = backend.verify_token(token, nonce="n1")
    user = backend.get_or_create_user("access", token, payload)
    assert user.hsa_id == "SE2321000180-NY01" and user.namn == "Nina Ny"
    assert sorted(user.uppdrag.values_list("roll", flat=True)) == [Roll.MOTTAGARE, Roll.VARDLOTS]
    assert user.uppdrag.get(roll=Roll.MOTTAGARE).vardenhet == enhet


def test_a_later_token_updates_the_commissions(idp_key):
    backend = SithsOIDCBackend()
    first = _token(idp_key, hsa_id="SE1-X", name="A", commissions=[{"roll": "vardlots", "region": "20"}])
    backend.get_or_create_user("a", first, backend.verify_token(first, nonce="n1"))
    second = _token(idp_key, hsa_id="SE1-X", name="A B", commissions=[{"roll": "koordinator", "region": "06"}])
    user = backend.get_or_create_user("a", second, backend.verify_token(second, nonce="n1"))
    assert user.namn == "A B"
    assert list(user.uppdrag.values_list("roll", "region")) == [(Roll.KOORDINATOR, "06")]
    assert User.objects.filter(hsa_id="SE1-X").count() == 1


def test_a_token_signed_by_someone_else_is_rejected(idp_key):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = _token(other, hsa_id="SE1-Y", name="Y", commissions=[{"roll": "vardlots", "region": "20"}])
    with pytest.raises(SuspiciousOperation):
        SithsOIDCBackend().verify_token(token, nonce="n1")


def test_a_token_without_commissions_signs_nobody_in(idp_key):
    token = _token(idp_key, hsa_id="SE1-Z", name="Z", commissions=[])
    backend = SithsOIDCBackend()
    with pytest.raises(SuspiciousOperation):
        backend.get_or_create_user("a", token, backend.verify_token(token, nonce="n1"))
    assert not User.objects.filter(hsa_id="SE1-Z").exists()
