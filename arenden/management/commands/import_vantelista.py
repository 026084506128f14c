"""`python manage.py import_vantelista FILE --region RR`: validate and apply a waiting list (exit 1 on errors).

The file name is printed masked; no patient data is printed."""

from django.core.management.base import BaseCommand, CommandError

from arenden.vantelista import services
from vardformedling import format as fmt
from vardformedling.importering.fel import FilAvvisad
from vardformedling.management.filer import las_fil
from vardformedling.models import Region


class Command(BaseCommand):
    help = "Läser in en regions väntelista (CSV eller XLSX). Ingenting ändras om någon rad är felaktig."

    def add_arguments(self, parser):
        parser.add_argument("fil")
        parser.add_argument("--region", required=True, help="regionen som listan tillhör (två siffror)")

    def handle(self, *args, fil: str, region: str, **options):
        namn, innehall = las_fil(fil)
        region_obj = Region.objects.filter(kod=Region.normalise_kod(region)).first()
        if region_obj is None:
            raise CommandError(f"Okänd region ”{region}”.")
        try:
            _plan, antal = services.importera(region=region_obj, data=innehall)
        except FilAvvisad as exc:
            for rad in exc.texter:
                self.stderr.write(f"{namn}: {rad}")
            raise CommandError(f"{namn}: avvisad, ingenting ändrades ({fmt.antal(exc.antal)} fel).") from None
        self.stdout.write(
            f"{namn}: {fmt.antal_ord(antal['listor_nya'], 'ny lista', 'nya listor')}, "
            f"{fmt.antal_ord(antal['listor_ersatta'], 'ersatt lista', 'ersatta listor')}, "
            f"{fmt.antal_ord(antal['oforandrade'], 'oförändrad lista', 'oförändrade listor')}; "
            f"{fmt.antal_ord(antal['patienter'], 'patient', 'patienter')} inlästa, "
            f"{fmt.antal(antal['lamnat'])} har lämnat listan."
        )
