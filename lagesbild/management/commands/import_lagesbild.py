"""`manage.py import_lagesbild FILE [FILE ...]`: exit 0 when every file was imported or already imported,
exit 1 with a message per file when any file was rejected (a rejected file changes nothing) or a transient fault
stopped its import (nothing was written; run the command again).

A file name is printed with personnummer-like digit runs masked (vardformedling.personnummer.maskera_i_text), and a file
that cannot be read is reported by its masked name and the kind of error: an OSError's own text holds the raw path."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lagesbild.importers import MEDDELANDE_TILLFALLIGT, TILLFALLIGA_FEL, importera_fil
from lagesbild.models import ImportStatus
from vardformedling.personnummer import maskera_i_text


class Command(BaseCommand):
    help = "Läser in registerfiler (SPOR, NCR, Väntetidsdatabasen); källan avgörs av rubrikraden."

    def add_arguments(self, parser):
        parser.add_argument("filer", nargs="+", metavar="FIL")

    def handle(self, *args, **options):
        misslyckade = 0
        for name in options["filer"]:
            path = Path(name)
            namn = maskera_i_text(path.name)  # as stored in the run: never a personnummer in output or logs
            try:
                if not path.is_file():
                    self.stderr.write(f"{maskera_i_text(name)}: filen finns inte.")
                    misslyckade += 1
                    continue
                res = importera_fil(path, startad_av="kommando")
            except TILLFALLIGA_FEL as exc:  # the database (or Redis) away for a moment: nothing was written
                self.stderr.write(f"{namn}: {MEDDELANDE_TILLFALLIGT.format(fel=type(exc).__name__)}")
                misslyckade += 1
                continue
            except OSError as exc:
                self.stderr.write(f"{namn}: filen kunde inte läsas ({type(exc).__name__}); inget lästes in.")
                misslyckade += 1
                continue
            run = res.run
            if run.status == ImportStatus.KLAR:
                extra = f" {run.meddelande}" if run.meddelande else ""
                self.stdout.write(f"{namn}: inläst ({run.get_kalla_display()}, {run.rader} rader).{extra}")
            elif run.status == ImportStatus.REDAN_INLAST:
                self.stdout.write(f"{namn}: redan inläst (samma innehåll), inget ändrades.")
            else:
                misslyckade += 1
                self.stderr.write(f"{namn}: {run.meddelande}")
                for text in res.fel_text:
                    self.stderr.write(f"  {text}")
        if misslyckade:
            raise CommandError(f"{misslyckade} av {len(options['filer'])} filer lästes inte in.")
