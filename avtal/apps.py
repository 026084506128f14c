"""The agreements' app config: registers its start-page panel."""

from django.apps import AppConfig


class AvtalConfig(AppConfig):
    name = "avtal"
    verbose_name = "Avtal"

    def ready(self) -> None:
        from avtal import start  # noqa: F401  (registers the start-page panel)
