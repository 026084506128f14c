"""The cases' app config: registers its start-page panel."""

from django.apps import AppConfig


class ArendenConfig(AppConfig):
    name = "arenden"
    verbose_name = "Ärenden"

    def ready(self) -> None:
        from arenden import start  # noqa: F401  (registers the start-page panel)
        from arenden.vantelista.services import omsla_vantelistor
        from vardformedling.nycklar import omslag

        omslag.registrera("arenden.vantelista", omsla_vantelistor)
