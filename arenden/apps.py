"""The cases' app config: registers its start-page panel, where its wrapped data keys are (key rotation) and who
to tell when an agreement line fills up or a capacity announcement fits open cases."""

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

        from arenden.kapacitet import matchande_arenden, regioner_med_oppna_erbjudanden
        from avtal.api import registrera_intressenter
        from katalog.api import registrera_matchare

        # Regions with open offers on a line are told when it passes a volume threshold (issue #19 point 2).
        registrera_intressenter(regioner_med_oppna_erbjudanden)
        # Coordinators are told how many open cases fit a capacity announcement (issue #19 point 7).
        registrera_matchare(matchande_arenden)

        from arenden import bevakning

        # Parked cases wake when capacity, an agreement line or a unit that fits them appears (issue 17 point 5).
        bevakning.koppla()

        from arenden.models import Arende
        from vardformedling.referensdata import bevaka

        # Every save and delete of a case changes the cases' version (arenden.api.version); bulk writes through
        # ArendeQuerySet.
        bevaka(Arende, "arenden")
