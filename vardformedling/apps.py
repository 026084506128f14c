"""The kernel's app config: registers the system checks and the invalidation of the cached regions."""

from django.apps import AppConfig


class VardformedlingConfig(AppConfig):
    name = "vardformedling"
    verbose_name = "Vårdförmedlingstjänsten"

    def ready(self) -> None:
        from django.test.signals import setting_changed

        from vardformedling import checks  # noqa: F401  (registers system checks)
        from vardformedling.nycklar import omslag, tjanst

        omslag.registrera("vardformedling.enhetsnycklar", omslag.enhetsnycklar)
        # A test (or anything) that changes a key setting gets a key service built from the new settings.
        setting_changed.connect(tjanst.aterstall_nyckeltjanst, dispatch_uid="vardformedling.nycklar")

        from vardformedling.models import Region
        from vardformedling.referensdata import bevaka

        bevaka(Region, "regioner")
