"""The catalogue's app config: registers its start-page panel and the invalidation of the cached KVÅ groups and
offerings."""

from django.apps import AppConfig


class KatalogConfig(AppConfig):
    name = "katalog"
    verbose_name = "Katalog och Hitta vårdgivare"

    def ready(self) -> None:
        from katalog import start  # noqa: F401  (registers the start-page panel)
        from katalog.models import KvaGrupp, Vardenhet, Vardgivare, Vardutbud
        from vardformedling.referensdata import bevaka

        bevaka(KvaGrupp, "kva_grupper")
        for modell in (Vardgivare, Vardenhet, Vardutbud):
            bevaka(modell, "katalog")
