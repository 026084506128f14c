"""The cases' app config: registers its start-page panel and where its wrapped data keys are (key rotation)."""

from django.apps import AppConfig


class ArendenConfig(AppConfig):
    name = "arenden"
    verbose_name = "Ärenden"

    def ready(self) -> None:
        from arenden import start  # noqa: F401  (registers the start-page panel)
        from arenden.services.identitet import omsla_identiteter
        from arenden.vantelista.services import omsla_vantelistor
        from vardformedling.nycklar import omslag

        omslag.registrera("arenden.identitet", omsla_identiteter)
        omslag.registrera("arenden.vantelista", omsla_vantelistor)
