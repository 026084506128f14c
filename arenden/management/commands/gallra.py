"""`gallra`: crypto-shreds the patient identity of closed cases past their region's retention (issue 16 point 5).

    python manage.py gallra --torrkorning   lists what would be shredded, changes nothing
    python manage.py gallra                 shreds (the nightly beat task does the same)

Lists case IDs, regions and closing dates only: never identity.
"""

from django.core.management.base import BaseCommand

from arenden.services.gallring import gallra_forfallna
from vardformedling import format as fmt


class Command(BaseCommand):
    help = "Gallrar (kryptoraderar) patientens identitetsuppgifter i avslutade ärenden vars bevarandetid har gått ut."

    def add_arguments(self, parser):
        parser.add_argument(
            "--torrkorning", action="store_true", help="Visa vad som skulle gallras utan att ändra något."
        )

    def handle(self, *args, torrkorning=False, **options):
        rader = gallra_forfallna(torrkorning=torrkorning)
        for r in rader:
            self.stdout.write(
                f"{r.case_id}  region {r.region_kod}  avslutat {fmt.datum(r.avslutad)}  "
                f"bevarandetid {fmt.antal_ord(r.manader, 'månad', 'månader')}"
            )
        verb = "skulle gallras" if torrkorning else "gallrades"
        self.stdout.write(f"{fmt.antal_ord(len(rader), 'ärende', 'ärenden')} {verb}.")
