"""`python manage.py import_avtal FILE`: validate and apply an agreement file without preview (exit 1 on errors).

The file name is printed with personnummer-like digit runs masked (arenden.personnummer.maskera_i_text), as it is
stored; a file that cannot be read is reported by the kind of error, since an OSError's text holds the raw path."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from arenden.personnummer import maskera_i_text
from avtal.models import Uppladdningsstatus
from avtal.uppladdning import importera_direkt


class Command(BaseCommand):
    help = "Importerar en avtalsfil (CSV eller XLSX). Ingenting ändras om någon rad är felaktig."

    def add_arguments(self, parser):
        parser.add_argument("fil")

    def handle(self, *args, fil: str, **options):
        path = Path(fil)
        namn = maskera_i_text(path.name)
        try:
            if not path.is_file():
                raise CommandError(f"{maskera_i_text(fil)}: filen finns inte.")
            innehall = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{namn}: filen kunde inte läsas ({type(exc).__name__}).") from None
        u = importera_direkt(filnamn=path.name, innehall=innehall)
        if u.status != Uppladdningsstatus.TILLAMPAD:
            for rad in u.fel:
                self.stderr.write(f"{namn}: {rad}")
            raise CommandError(f"{namn}: avvisad, ingenting ändrades ({len(u.fel)} fel).")
        self.stdout.write(
            f"{namn}: {u.antal_nya} nya, {u.antal_andrade} ändrade, {u.antal_oforandrade} oförändrade avtal; "
            f"{u.antal_saknade} av ägarens avtal finns inte i filen (lämnas orörda)."
        )
