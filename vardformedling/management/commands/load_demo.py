"""Idempotent demo data: reference data, catalogue, identities, agreements, register history, cases.

Each app contributes a `demo.py` with `load(stdout)`; they run in dependency order.
"""

from importlib import import_module

from django.core.management.base import BaseCommand

from katalog.models import KvaGrupp
from vardformedling.models import Region
from vardformedling.reference import load_kva_groups, load_regions

STEPS = ["katalog.demo", "vardformedling.demo", "avtal.demo", "lagesbild.demo", "arenden.demo"]


class Command(BaseCommand):
    help = "Läser in demodata (kan köras flera gånger utan att data dubbleras)."

    def handle(self, *args, **options):
        load_regions(Region)
        load_kva_groups(KvaGrupp)
        for module_name in STEPS:
            try:
                module = import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            module.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demodata klar."))
