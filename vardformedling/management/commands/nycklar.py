"""`manage.py nycklar`: create, rotate and inspect region keys and create care units' key pairs.

    nycklar --status [RR ...]            backend, availability and key versions per region (no key material)
    nycklar --skapa RR [RR ...] | alla   create the region's wrapping and HMAC keys when missing
    nycklar --rotera RR                  new key version, then re-wrap every registered app's data keys
    nycklar --omsla RR                   re-wrap again without rotating (after an interrupted --rotera)
    nycklar --skapa-enhet HSA-ID --region RR   a care unit's key pairs (prints its public keys and fingerprints)

Exit 1 with a Swedish message when a region's key service cannot be used.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from vardformedling.nycklar import enhetsnycklar, omslag
from vardformedling.nycklar.fel import KryptoFel, NyckelEjTillganglig
from vardformedling.nycklar.tjanst import kontrollera_region_kod, nyckeltjanst
from vardformedling.reference import read_csv


def alla_regioner() -> list[str]:
    return [row["region_kod"] for row in read_csv("regioner.csv")]


class Command(BaseCommand):
    help = "Skapa, rotera och granska regionernas nycklar och vårdenheternas nyckelpar."

    def add_arguments(self, parser):
        grupp = parser.add_mutually_exclusive_group(required=True)
        grupp.add_argument("--status", nargs="*", metavar="RR", help="visa nyckelstatus (alla regioner om ingen anges)")
        grupp.add_argument("--skapa", nargs="+", metavar="RR", help="skapa regionens nycklar ('alla' för alla)")
        grupp.add_argument("--rotera", metavar="RR", help="ny nyckelversion och omslag av lagrade datanycklar")
        grupp.add_argument("--omsla", metavar="RR", help="slå om lagrade datanycklar till senaste versionen")
        grupp.add_argument("--skapa-enhet", metavar="HSA-ID", help="skapa en vårdenhets nyckelpar")
        parser.add_argument("--region", metavar="RR", help="vårdenhetens region (med --skapa-enhet)")

    def _regioner(self, koder: list[str]) -> list[str]:
        if not koder or koder == ["alla"]:
            return alla_regioner()
        try:
            return [kontrollera_region_kod(k) for k in koder]
        except ValueError as exc:
            raise CommandError(str(exc)) from None

    def handle(self, *args, **opts):
        tjanst = nyckeltjanst()
        try:
            if opts["status"] is not None:
                return self._status(tjanst, self._regioner(opts["status"]))
            if opts["skapa"]:
                for rr in self._regioner(opts["skapa"]):
                    version = tjanst.skapa(rr)
                    self.stdout.write(
                        f"Region {rr}: nycklar finns, inslagningsnyckel version {version} ({tjanst.namn})."
                    )
                return None
            if opts["rotera"]:
                rr = self._regioner([opts["rotera"]])[0]
                version, resultat = omslag.rotera(rr, tjanst=tjanst)
                self.stdout.write(f"Region {rr}: ny inslagningsnyckel version {version}.")
                return self._omslag(rr, resultat)
            if opts["omsla"]:
                rr = self._regioner([opts["omsla"]])[0]
                return self._omslag(rr, omslag.omsla(rr, tjanst=tjanst))
            if not opts["region"]:
                raise CommandError("--skapa-enhet behöver --region RR.")
            publik = enhetsnycklar.skapa(opts["skapa_enhet"], self._regioner([opts["region"]])[0])
            self.stdout.write(
                f"{publik.hsa_id}\n  kryptering {publik.kryptering_text}\n    {publik.kryptering_fingeravtryck}\n"
                f"  signering  {publik.signering_text}\n    {publik.signering_fingeravtryck}"
            )
        except NyckelEjTillganglig as exc:
            raise CommandError(f"{exc.meddelande} ({exc.orsak}: {exc.detalj})") from None
        except (KryptoFel, ValueError) as exc:
            raise CommandError(str(exc)) from None
        return None

    def _status(self, tjanst, regioner: list[str]) -> None:
        self.stdout.write(f"Nyckeltjänst: {tjanst.namn}")
        for rr in regioner:
            s = tjanst.status(rr)
            if s.tillganglig:
                versioner = ", ".join(str(v) for v in s.versioner)
                self.stdout.write(f"  {rr}: tillgänglig, versioner {versioner} (aktuell {s.versioner[-1]}), HMAC ja")
            elif s.orsak:
                self.stdout.write(f"  {rr}: EJ TILLGÄNGLIG – {s.orsak}: {s.detalj}")
            else:
                self.stdout.write(f"  {rr}: inga nycklar ännu (nycklar --skapa {rr})")

    def _omslag(self, rr: str, resultat: dict[str, int]) -> None:
        if not resultat:
            self.stdout.write(f"Region {rr}: inga appar har registrerat inslagna nycklar.")
        for namn, antal in resultat.items():
            self.stdout.write(f"Region {rr}: {namn}: {antal} nycklar omslagna.")
