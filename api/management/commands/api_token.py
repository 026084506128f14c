"""`manage.py api_token skapa|lista|aterkalla`: API tokens per system, for administrators."""

from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken
from vardformedling.models import Region


class Command(BaseCommand):
    help = "Skapar, listar och återkallar API-token för /api/v1/ (en per system)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="atgard", required=True)
        skapa = sub.add_parser("skapa", help="Skapa en token; den visas bara nu.")
        skapa.add_argument("system", help="Systemet som ska använda token")
        skapa.add_argument("--region", help="Regionkod: systemet får också rapportera volym på regionens avtal")
        sub.add_parser("lista", help="Lista token (prefix, system, skapad, senast använd, återkallad)")
        aterkalla = sub.add_parser("aterkalla", help="Återkalla en token")
        aterkalla.add_argument("prefix", help="Tokens första tecken, som i listan")

    def handle(self, *args, atgard: str, **opts):
        if atgard == "skapa":
            region = opts.get("region")
            if region and not Region.objects.filter(kod=Region.normalise_kod(region)).exists():
                raise CommandError(f"Regionen {region[:10]!r} finns inte (två siffror, t.ex. 20).")
            rad, token = ApiToken.skapa(
                system=opts["system"], skapad_av="kommando", region=Region.normalise_kod(region) if region else None
            )
            self.stdout.write(f"API-token för {rad.system} (visas bara nu):\n{token}")
        elif atgard == "lista":
            for t in ApiToken.objects.all():
                status = f"återkallad {t.aterkallad:%Y-%m-%d %H:%M}" if t.aterkallad else "giltig"
                anvand = f"{t.senast_anvand:%Y-%m-%d %H:%M}" if t.senast_anvand else "aldrig"
                self.stdout.write(f"{t.prefix}…  {t.system}  skapad {t.skapad:%Y-%m-%d}  använd {anvand}  {status}")
        else:
            traffar = list(ApiToken.objects.giltiga().filter(prefix=opts["prefix"][:8]))
            if len(traffar) != 1:
                raise CommandError(f"Ingen entydig giltig token börjar med {opts['prefix'][:8]!r}.")
            traffar[0].aterkalla()
            self.stdout.write(f"Token {traffar[0]} är återkallad.")
