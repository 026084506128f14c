"""The lägesbild's app config: registers the invalidation of the cached newest deliveries."""

from django.apps import AppConfig


class LagesbildConfig(AppConfig):
    name = "lagesbild"

    def ready(self) -> None:
        from lagesbild.models import Leverans
        from vardformedling.referensdata import bevaka

        bevaka(Leverans, "leveranser")
