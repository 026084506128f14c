"""SITHS sign-in backends. The stub and the OIDC backend map to the same user model and commissions.

`AUTH_MODE=stub` signs in by HSA-id (demo identities); `AUTH_MODE=oidc` uses mozilla-django-oidc
against the SITHS IdP and maps its claims (HSA-id, name, commissions) onto User/Medarbetaruppdrag.
"""

from django.conf import settings
from django.contrib.auth.backends import BaseBackend
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from vardformedling.models import Medarbetaruppdrag, Region, Roll, User

CLAIM_HSA_ID = "hsa_id"
CLAIM_NAME = "name"
CLAIM_COMMISSIONS = "commissions"


def stub_tillaten() -> bool:
    """The sign-in stub may answer: AUTH_MODE=stub, and DEBUG on or SITHS_STUB_ALLOWED=1 (settings.py refuses to
    start otherwise; this holds also where settings are changed at run time)."""
    return settings.AUTH_MODE == "stub" and (settings.DEBUG or settings.SITHS_STUB_ALLOWED)


class SithsStubBackend(BaseBackend):
    """Stands in for the SITHS IdP: a known, active HSA-id with a commission signs in (only where the stub is
    allowed, `stub_tillaten`)."""

    def authenticate(self, request, hsa_id=None, **kwargs):
        if not hsa_id or not stub_tillaten():
            return None
        user = User.objects.filter(hsa_id=hsa_id.strip(), is_active=True).first()
        if user is None or not user.uppdrag.exists():
            return None
        return user

    def get_user(self, user_id):
        return User.objects.filter(pk=user_id, is_active=True).first()


class SithsOIDCBackend(OIDCAuthenticationBackend):
    """OIDC against the SITHS IdP. Claims are taken from the verified ID token."""

    def get_userinfo(self, access_token, id_token, payload):
        return payload

    def verify_claims(self, claims):
        return bool(claims.get(CLAIM_HSA_ID)) and bool(claims.get(CLAIM_COMMISSIONS))

    def filter_users_by_claims(self, claims):
        return User.objects.filter(hsa_id=claims.get(CLAIM_HSA_ID, ""), is_active=True)

    def create_user(self, claims):
        with transaction.atomic():
            user = User.objects.create_user(claims[CLAIM_HSA_ID], claims.get(CLAIM_NAME, ""))
            sync_commissions(user, claims.get(CLAIM_COMMISSIONS, []))
        return user

    def update_user(self, user, claims):
        with transaction.atomic():
            if claims.get(CLAIM_NAME) and user.namn != claims[CLAIM_NAME]:
                user.namn = claims[CLAIM_NAME]
                user.save(update_fields=["namn"])
            sync_commissions(user, claims.get(CLAIM_COMMISSIONS, []))
        return user

    def get_user(self, user_id):
        return User.objects.filter(pk=user_id, is_active=True).first()


def sync_commissions(user: User, commissions: list[dict]) -> None:
    """Make the user's commissions exactly those the IdP asserted; unknown roles are ignored."""
    # The care unit's model through the commission's foreign key: the kernel imports no app (README).
    Vardenhet = Medarbetaruppdrag._meta.get_field("vardenhet").related_model

    keep = []
    for c in commissions:
        roll = c.get("roll") or c.get("role")
        if roll not in Roll.values:
            continue
        region = Region.objects.filter(kod=Region.normalise_kod(c.get("region") or "")).first()
        enhet_id = (
            Vardenhet._default_manager.filter(hsa_id=c.get("vardenhet") or "").values_list("pk", flat=True).first()
        )
        # django-stubs types the lookup `<fk>_id` without None even when the foreign key is nullable.
        obj, _ = Medarbetaruppdrag.objects.get_or_create(  # type: ignore[misc]
            user=user, roll=roll, region=region, vardenhet_id=enhet_id
        )
        keep.append(obj.pk)
    user.uppdrag.exclude(pk__in=keep).delete()
