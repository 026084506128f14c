"""The agreements' app config: registers its start-page panel and the invalidation of the search's cached coverage
(which units each agreement covers)."""

from django.apps import AppConfig


class AvtalConfig(AppConfig):
    name = "avtal"
    verbose_name = "Avtal"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed

        from avtal import start  # noqa: F401  (registers the start-page panel)
        from avtal.models import Avtal, Avtalsrad
        from vardformedling.referensdata import bevaka, ogiltigforklara

        # No delete receivers: a deleted agreement or line is no longer among the lines read live, so the copy's
        # entry for it is never used (and a queryset's DELETE stays one statement).
        bevaka(Avtal, "avtal", radering=False)
        bevaka(Avtalsrad, "avtal", radering=False)
        m2m_changed.connect(
            lambda **_kw: ogiltigforklara("avtal"),
            sender=Avtal.vardenheter.through,
            weak=False,
            dispatch_uid="referensdata:avtal:vardenheter",
        )
