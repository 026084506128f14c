"""The kernel's app config: registers the system checks and the invalidation of the cached regions."""

from django.apps import AppConfig


class VardformedlingConfig(AppConfig):
    name = "vardformedling"
    verbose_name = "Vårdförmedlingstjänsten"

    def ready(self) -> None:
        from vardformedling import checks  # noqa: F401  (registers system checks)
        from vardformedling.models import Region
        from vardformedling.referensdata import bevaka

        bevaka(Region, "regioner")
