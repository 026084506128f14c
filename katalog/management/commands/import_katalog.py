"""`manage.py import_katalog FILE [--tillat-inaktivering]`: exit 0 when imported or already imported, exit 1 with
every error. A file that would deactivate more than the allowed share of active units (KATALOG_MAX_INAKTIVERING_ANDEL)
is refused unless --tillat-inaktivering is given.

The file name is printed masked, as it is stored (vardformedling.management.filer)."""

from django.core.management.base import BaseCommand, CommandError

from katalog.importer import import_katalog
from vardformedling.management.filer import las_fil


class Command(BaseCommand):
    help = "Läser in ett katalogutdrag (CSV eller XLSX) enligt KATALOG_AVTAL.md."

    def add_arguments(self, parser):
        parser.add_argument("fil", help="Sökväg till katalogutdraget (.csv eller .xlsx)")
        parser.add_argument(
            "--tillat-inaktivering",
            action="store_true",
            help="inaktivera vårdenheter som saknas i filen även när de är fler än den tillåtna andelen",
        )

    def handle(self, *args, fil: str, tillat_inaktivering: bool = False, **options):
        namn, data = las_fil(fil)
        resultat = import_katalog(data=data, filnamn=namn, tillat_inaktivering=tillat_inaktivering)
        if not resultat.ok:
            for fel in resultat.fel:
                self.stderr.write(f"{namn}: {fel}")
            raise CommandError(f"{namn}: {resultat.meddelande}")
        self.stdout.write(self.style.SUCCESS(f"{namn}: {resultat.meddelande}"))
