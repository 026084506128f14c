"""API authentication and rate limit: a bearer token per system (hashed at rest), a cache-based limit per token."""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from ninja.security import HttpBearer

from api.models import ApiToken, hasha

SENAST_ANVAND_UPPLOSNING = 60  # seconds: last_used is written at most once a minute per token


class ForMangaAnrop(Exception):
    """The token has used its requests for this minute: 429 with Retry-After."""

    def __init__(self, vanta: int):
        super().__init__(vanta)
        self.vanta = vanta


def rate_limit_per_minut() -> int:
    return int(getattr(settings, "API_ANROP_PER_MINUT", 600))


def _rakna(token_id: int) -> None:
    """Fixed one-minute windows in the shared cache (Redis in production, so all workers count together)."""
    nu = time.time()
    fonster = int(nu // 60)
    nyckel = f"api:anrop:{token_id}:{fonster}"
    try:
        try:
            antal = cache.incr(nyckel)  # one round trip in the steady state
        except ValueError:  # the minute's first request: create the counter (or count on one a racer created)
            antal = 1 if cache.add(nyckel, 1, 120) else cache.incr(nyckel)
    except Exception:  # no cache: no limit rather than no API
        return
    if antal > rate_limit_per_minut():
        raise ForMangaAnrop(max(1, int(60 - nu % 60)))


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`. A revoked or unknown token is 401; the token never goes in a URL."""

    openapi_description = "API-token per system, skapad av en administratör (manage.py api_token skapa)."

    def authenticate(self, request, token: str):
        falt = ("pk", "senast_anvand", "region_id", "system")  # region and system: the volume report reads them
        rad = ApiToken.objects.giltiga().filter(sha256=hasha(token)).only(*falt).first()
        if rad is None:
            return None
        _rakna(rad.pk)
        nu = timezone.now()
        if rad.senast_anvand is None or (nu - rad.senast_anvand).total_seconds() > SENAST_ANVAND_UPPLOSNING:
            ApiToken.objects.filter(pk=rad.pk).update(senast_anvand=nu)
        request.api_token = rad
        return rad
