"""The catalogue's app config: registers its start-page panel and the invalidation of the cached KVÅ groups."""

from django.apps import AppConfig


class KatalogConfig(AppConfig):
    name = "katalog"
    verbose_name = "Katalog och Hitta vårdgivare"

    def ready(self) -> None:
        from katalog import start  # noqa: F401  (registers the start-page panel)
        from katalog.models import KvaGrupp, Vardenhet
        from vardformedling.referensdata import bevaka

        bevaka(KvaGrupp, "kva_grupper")
        bevaka(Vardenhet, "vardenheter")  # only its version is used (katalog.api.version)
