"""`manage.py import_katalog FILE`: exit 0 when imported or already imported, exit 1 with every error.

The file name is printed masked, as it is stored (vardformedling.management.filer)."""

from django.core.management.base import BaseCommand, CommandError

from katalog.importer import import_katalog
from vardformedling.management.filer import las_fil


class Command(BaseCommand):
    help = "Läser in ett katalogutdrag (CSV eller XLSX) enligt KATALOG_AVTAL.md."

    def add_arguments(self, parser):
        parser.add_argument("fil", help="Sökväg till katalogutdraget (.csv eller .xlsx)")

    def handle(self, *args, fil: str, **options):
        namn, data = las_fil(fil)
        resultat = import_katalog(data=data, filnamn=namn)
        if not resultat.ok:
            for fel in resultat.fel:
                self.stderr.write(f"{namn}: {fel}")
            raise CommandError(f"{namn}: {resultat.meddelande}")
        self.stdout.write(self.style.SUCCESS(f"{namn}: {resultat.meddelande}"))
