"""The lägesbild's app config: registers the invalidation of the cached newest deliveries and forecasts."""

from django.apps import AppConfig


class LagesbildConfig(AppConfig):
    name = "lagesbild"

    def ready(self) -> None:
        from lagesbild.models import Leverans, Prognos
        from vardformedling.referensdata import bevaka

        bevaka(Leverans, "leveranser")
        # The nightly run deletes every forecast in one statement (PrognosQuerySet invalidates): no delete signal.
        bevaka(Prognos, "prognoser", radering=False)
