"""`python manage.py import_avtal FILE`: validate and apply an agreement file without preview (exit 1 on errors).

The file name is printed masked, as it is stored (vardformedling.management.filer)."""

from django.core.management.base import BaseCommand, CommandError

from avtal.models import Uppladdningsstatus
from avtal.uppladdning import importera_direkt
from vardformedling import format as fmt
from vardformedling.management.filer import las_fil


class Command(BaseCommand):
    help = "Importerar en avtalsfil (CSV eller XLSX). Ingenting ändras om någon rad är felaktig."

    def add_arguments(self, parser):
        parser.add_argument("fil")

    def handle(self, *args, fil: str, **options):
        namn, innehall = las_fil(fil)
        u = importera_direkt(filnamn=namn, innehall=innehall)
        if u.status != Uppladdningsstatus.TILLAMPAD:
            for rad in u.fel:
                self.stderr.write(f"{namn}: {rad}")
            raise CommandError(f"{namn}: avvisad, ingenting ändrades ({len(u.fel)} fel).")
        self.stdout.write(
            f"{namn}: {fmt.antal_ord(u.antal_nya, 'nytt', 'nya')}, "
            f"{fmt.antal_ord(u.antal_andrade, 'ändrat', 'ändrade')}, "
            f"{fmt.antal_ord(u.antal_oforandrade, 'oförändrat avtal', 'oförändrade avtal')}; "
            f"{u.antal_saknade} av ägarens avtal finns inte i filen (lämnas orörda)."
        )
