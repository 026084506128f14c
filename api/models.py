"""API tokens: one per consuming system, created and revoked by administrators, stored only as a hash."""

import hashlib
import secrets
from datetime import timedelta

from django.db import models
from django.utils import timezone

from vardformedling.referensdata import ReferensQuerySet

PREFIX_LANGD = 8  # the token's first characters, kept in clear so an administrator can tell tokens apart


def hasha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(ReferensQuerySet["ApiToken"]):
    """Every write (bulk ones too) drops each process's copy of the valid tokens (api.auth), so a revocation holds
    at once; the last-used time is the one write that does not (`markera_anvand`)."""

    referensdata = "api_token"

    def giltiga(self):
        return self.filter(aterkallad__isnull=True)

    def markera_anvand(self, sha256: str, nu, upplosning: int) -> int:
        """Sets the last-used time unless another process did within `upplosning` seconds (one UPDATE at most)."""
        rader = self.filter(sha256=sha256).filter(
            models.Q(senast_anvand__isnull=True) | models.Q(senast_anvand__lt=nu - timedelta(seconds=upplosning))
        )
        return models.QuerySet.update(rader, senast_anvand=nu)  # not an invalidating write of the token set


class ApiToken(models.Model):
    """A system's access to /api/v1/. The token itself is shown once, when created; only its SHA-256 is kept."""

    system = models.CharField(
        max_length=200, help_text="Systemet som använder token, t.ex. Region Dalarnas ärendesystem"
    )
    prefix = models.CharField(max_length=PREFIX_LANGD, db_index=True)
    sha256 = models.CharField("kontrollsumma (SHA-256)", max_length=64, unique=True)
    skapad = models.DateTimeField(default=timezone.now)
    skapad_av = models.CharField(max_length=64, blank=True, help_text="HSA-id eller 'kommando'")
    aterkallad = models.DateTimeField("återkallad", null=True, blank=True)
    # A region's own system may also report volume on the region's agreements (issue #19); empty = read only.
    region = models.ForeignKey(
        "vardformedling.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="Tom = bara läsning; annars får systemet rapportera volym på regionens avtal",
    )  # fmt: skip
    senast_anvand = models.DateTimeField("senast använd", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-skapad", "-id"]
        verbose_name = "API-token"
        verbose_name_plural = "API-token"

    def __str__(self) -> str:
        return f"{self.system} ({self.prefix}…)"

    @classmethod
    def skapa(cls, *, system: str, skapad_av: str = "", region: str | None = None) -> tuple["ApiToken", str]:
        """A new token for `system` (`region`: the region whose agreements it may report volume on): (the row, the
        token in clear, to hand over once)."""
        token = "vf_" + secrets.token_urlsafe(32)
        rad = cls.objects.create(
            system=system, prefix=token[:PREFIX_LANGD], sha256=hasha(token), skapad_av=skapad_av, region_id=region
        )
        return rad, token

    def aterkalla(self) -> None:
        if self.aterkallad is None:
            self.aterkallad = timezone.now()
            self.save(update_fields=["aterkallad"])
