"""API authentication and rate limit: a bearer token per system (hashed at rest), a cache-based limit per token.

A request makes one round trip to the shared cache (the reference sets' versions and the token's rate counter
together) and none to the database in the steady state: each process keeps the valid tokens (hashes, ids, region,
system) as reference data, dropped on every write of a token (a revocation holds at once), and writes the
last-used time at most once a minute per token."""

import time

from django.conf import settings
from django.utils import timezone
from ninja.security import HttpBearer

from api.models import ApiToken, hasha
from vardformedling import referensdata

SENAST_ANVAND_UPPLOSNING = 60  # seconds: last_used is written at most once a minute per token
_skrivet: dict[str, float] = {}  # token hash → when this process last wrote its last-used time (monotonic)


class ForMangaAnrop(Exception):
    """The token has used its requests for this minute: 429 with Retry-After."""

    def __init__(self, vanta: int):
        super().__init__(vanta)
        self.vanta = vanta


def rate_limit_per_minut() -> int:
    return int(getattr(settings, "API_ANROP_PER_MINUT", 600))


def _raknare(token_id: int) -> str:
    """The token's counter of this minute: fixed one-minute windows in the shared cache (Redis in production, so
    all workers count together)."""
    return f"api:anrop:{token_id}:{int(time.time() // 60)}"


def _giltiga() -> list[ApiToken]:
    falt = ("pk", "sha256", "region_id", "system")  # region and system: the volume report reads them
    return referensdata.hamta("api_token", lambda: ApiToken.objects.giltiga().only(*falt))


def _hitta(rader: list[ApiToken], sha256: str) -> ApiToken | None:
    return next((t for t in rader if t.sha256 == sha256), None)


def _markera_anvand(sha256: str) -> None:
    """The last-used time, written by this process at most once a minute per token (and by all processes together
    at most once a minute: the UPDATE's own condition)."""
    nu = time.monotonic()
    if nu - _skrivet.get(sha256, -1e9) < SENAST_ANVAND_UPPLOSNING:
        return
    _skrivet[sha256] = nu
    ApiToken.objects.markera_anvand(sha256, timezone.now(), SENAST_ANVAND_UPPLOSNING)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`. A revoked or unknown token is 401; the token never goes in a URL."""

    openapi_description = "API-token per system, skapad av en administratör (manage.py api_token skapa)."

    def authenticate(self, request, token: str):
        sha256 = hasha(token)
        # Count on the token this process already knows, in the round trip that reads the versions (tokens, KVÅ
        # groups, deliveries …); then check it against the current set (a query only when the set has changed).
        gissning = _hitta(referensdata.lokal("api_token"), sha256)
        antal = referensdata.forhamta(rakna=_raknare(gissning.pk) if gissning else None)
        rad = _hitta(_giltiga(), sha256)
        if rad is None:
            return None
        if gissning is None or gissning.pk != rad.pk:  # the first request since the set changed: count now
            antal = referensdata.forhamta([], rakna=_raknare(rad.pk))
        if antal is not None and antal > rate_limit_per_minut():
            raise ForMangaAnrop(max(1, int(60 - time.time() % 60)))
        _markera_anvand(sha256)
        request.api_token = rad
        return rad
