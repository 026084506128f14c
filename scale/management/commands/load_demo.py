"""Idempotent demo data: reference data, catalogue, identities, agreements, register history, cases.

Each installed app of the project may contribute a `demo.py` with `load(stdout)`; they run in INSTALLED_APPS order,
which is the dependency order (katalog with the demo identities, avtal, lagesbild, arenden).
"""

from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

from vardformedling.models import Region
from vardformedling.reference import load_kva_groups, load_regions


def demo_moduler() -> list[str]:
    """`<app>.demo` for every project app (a package at the top of BASE_DIR) in INSTALLED_APPS order."""
    return [
        f"{cfg.name}.demo"
        for cfg in apps.get_app_configs()
        if Path(cfg.path).parent == Path(settings.BASE_DIR) and cfg.name != "scale"
    ]


class Command(BaseCommand):
    help = "Läser in demodata (kan köras flera gånger utan att data dubbleras)."

    def handle(self, *args, **options):
        load_regions(Region)
        load_kva_groups(apps.get_model("katalog", "KvaGrupp"))
        for module_name in demo_moduler():
            try:
                module = import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name != module_name:
                    raise
                continue
            module.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demodata klar."))
