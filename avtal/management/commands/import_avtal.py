"""`python manage.py import_avtal FILE`: validate and apply an agreement file without preview (exit 1 on errors)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from avtal.models import Uppladdningsstatus
from avtal.uppladdning import importera_direkt


class Command(BaseCommand):
    help = "Importerar en avtalsfil (CSV eller XLSX). Ingenting ändras om någon rad är felaktig."

    def add_arguments(self, parser):
        parser.add_argument("fil")

    def handle(self, *args, fil: str, **options):
        path = Path(fil)
        if not path.is_file():
            raise CommandError(f"{fil}: filen finns inte.")
        u = importera_direkt(filnamn=path.name, innehall=path.read_bytes())
        if u.status != Uppladdningsstatus.TILLAMPAD:
            for rad in u.fel:
                self.stderr.write(f"{path.name}: {rad}")
            raise CommandError(f"{path.name}: avvisad, ingenting ändrades ({len(u.fel)} fel).")
        self.stdout.write(
            f"{path.name}: {u.antal_nya} nya, {u.antal_andrade} ändrade, {u.antal_oforandrade} oförändrade avtal; "
            f"{u.antal_saknade} av ägarens avtal finns inte i filen (lämnas orörda)."
        )
