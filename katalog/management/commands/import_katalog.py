"""`manage.py import_katalog FILE`: exit 0 when imported or already imported, exit 1 with every error.

The file name is printed with personnummer-like digit runs masked (arenden.personnummer.maskera_i_text), as it is
stored; a file that cannot be read is reported by the kind of error, since an OSError's text holds the raw path."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from arenden.personnummer import maskera_i_text
from katalog.importer import import_katalog


class Command(BaseCommand):
    help = "Läser in ett katalogutdrag (CSV eller XLSX) enligt KATALOG_AVTAL.md."

    def add_arguments(self, parser):
        parser.add_argument("fil", help="Sökväg till katalogutdraget (.csv eller .xlsx)")

    def handle(self, *args, fil: str, **options):
        path = Path(fil)
        namn = maskera_i_text(path.name)
        try:
            if not path.is_file():
                raise CommandError(f"Filen {maskera_i_text(fil)} finns inte.")
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{namn}: filen kunde inte läsas ({type(exc).__name__}).") from None
        resultat = import_katalog(data=data, filnamn=path.name)
        if not resultat.ok:
            for fel in resultat.fel:
                self.stderr.write(f"{namn}: {fel}")
            raise CommandError(f"{namn}: {resultat.meddelande}")
        self.stdout.write(self.style.SUCCESS(f"{namn}: {resultat.meddelande}"))
