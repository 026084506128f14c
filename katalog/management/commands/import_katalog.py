"""`manage.py import_katalog FILE`: exit 0 when imported or already imported, exit 1 with every error."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from katalog.importer import import_katalog


class Command(BaseCommand):
    help = "Läser in ett katalogutdrag (CSV eller XLSX) enligt KATALOG_AVTAL.md."

    def add_arguments(self, parser):
        parser.add_argument("fil", help="Sökväg till katalogutdraget (.csv eller .xlsx)")

    def handle(self, *args, fil: str, **options):
        path = Path(fil)
        if not path.is_file():
            raise CommandError(f"Filen {fil} finns inte.")
        resultat = import_katalog(data=path.read_bytes(), filnamn=path.name)
        if not resultat.ok:
            for fel in resultat.fel:
                self.stderr.write(f"{path.name}: {fel}")
            raise CommandError(f"{path.name}: {resultat.meddelande}")
        self.stdout.write(self.style.SUCCESS(f"{path.name}: {resultat.meddelande}"))
