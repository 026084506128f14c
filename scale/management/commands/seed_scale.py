"""`manage.py seed_scale --scale N`: synthetic national-scale data built through the real importers and services.

N=1 is the national scale of DESIGN.md §4: 21 regions, ~3,000 care units, ~2,000 agreements with ~20,000 lines,
100 KVÅ groups with the latest SPOR and NCR delivery (30d/90d/365d + 18 months for every unit × offered group),
18 months of Väntetidsdatabasen and ~50,000 cases spread over every step. N scales units, agreements and cases
(N=0.1 for quick runs); the 21 regions and 100 KVÅ groups stay.

How each part is built:
- catalogue: a generated extract (the demo catalogue + synthetic units) → `katalog.importer.import_katalog`;
- agreements: a generated agreement file → `avtal.uppladdning.importera_direkt` (the import_avtal path);
- register history: generated SPOR, NCR and Väntetidsdatabasen files → `lagesbild.importers.importera_fil`;
- cases: a sample (~0.6 %, 10–300) is driven step by step through the `arenden.services` functions; the rest is
  written with bulk_create of the same model fields the services set, because ~80 queries per service-driven
  case would make 50,000 cases take tens of minutes. Their case IDs come from the real formatter
  (`arenden.case_id.format_case_id`) on numbers reserved from the real locked counter. See scale/arenden.py.

Synthetic rows carry the marker SYN (unit HSA-ids `…-SYN00001`, agreement ids `SYN-…`, user HSA-ids `…-SYN…`).
The command refuses to run when synthetic data exists; `--reset` removes it first. Run it on a dedicated
database: the catalogue extract is a full extract (catalogue units missing from it, other than the demo's, are
marked inactive) and the SPOR/NCR deliveries become the newest ones shown.
"""

import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from scale import MARKOR

FINNS_REDAN = (
    "Syntetiska data finns redan ({enheter} enheter, {arenden} ärenden från seed_scale). "
    "Kör med --reset för att ta bort dem och skapa nya."
)


class Command(BaseCommand):
    help = "Skapar syntetiska data i nationell skala (N=1 ≈ 3 000 enheter, 20 000 avtalsrader, 50 000 ärenden)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="Skala: 1 = nationell skala, 0.1 = snabb körning")
        parser.add_argument("--reset", action="store_true", help="Ta bort tidigare syntetiska data först")
        parser.add_argument("--seed", type=int, default=1, help="Slumpfrö (samma frö ger samma data)")

    @contextmanager
    def fas(self, namn: str):
        self.stdout.write(f"{namn} …")
        t = time.perf_counter()
        yield
        sekunder = time.perf_counter() - t
        self.tider[namn] = sekunder
        self.stdout.write(f"  {namn}: {sekunder:.1f} s")

    def handle(self, *args, scale: float, reset: bool, seed: int, **options):
        from arenden.models import Arende
        from katalog.models import Vardenhet
        from scale.arenden import syntetiska_arenden

        if scale <= 0 or scale > 5:
            raise CommandError("--scale ska vara större än 0 och högst 5.")
        self.tider: dict[str, float] = {}
        start = time.perf_counter()
        if reset:
            with self.fas("Tar bort syntetiska data"):
                from scale.rensa import rensa

                self.stdout.write("  " + rensa())
        enheter = Vardenhet.objects.filter(hsa_id__contains=f"-{MARKOR}").count()
        if enheter:
            raise CommandError(
                FINNS_REDAN.format(enheter=enheter, arenden=Arende.objects.filter(syntetiska_arenden()).count())
            )
        antal = {
            "enheter": max(60, round(3000 * scale)),
            "avtal": max(10, round(2000 * scale)),
            "arenden": max(50, round(50_000 * scale)),
        }
        antal["tjanst"] = max(10, min(300, round(antal["arenden"] * 0.006)))
        self.stdout.write(
            f"seed_scale --scale {scale}: {antal['enheter']} enheter, {antal['avtal']} avtal, "
            f"{antal['arenden']} ärenden ({antal['tjanst']} genom tjänsterna)"
        )
        self.bygg(antal, seed)
        total = time.perf_counter() - start
        self.stdout.write(self.style.SUCCESS(f"Klart på {total:.1f} s."))

    def bygg(self, antal: dict, seed: int) -> None:
        from arenden.models import Arende
        from avtal.models import Avtalsrad, Uppladdningsstatus
        from avtal.uppladdning import importera_direkt
        from katalog.importer import import_katalog
        from katalog.models import KvaGrupp, Vardenhet
        from lagesbild.importers import importera_fil
        from lagesbild.models import Matvarde
        from scale import arenden as fall
        from scale import filer
        from vardformedling.models import Region
        from vardformedling.reference import load_kva_groups, load_regions, read_csv

        idag = timezone.localdate()
        with self.fas("Referensdata (21 regioner, KVÅ-grupperna i fixtures/kva_grupper.csv)"):
            load_regions(Region)
            load_kva_groups(KvaGrupp)
            regioner = list(Region.objects.values("kod", "namn", "orgnr", "residensstad", "lat", "lon"))
            regionkoder = [r["kod"] for r in regioner]
        with self.fas("Katalog via katalogimporten"):
            demo = read_csv("demo/katalog_demo.csv")
            kat = filer.katalog(antal_enheter=antal["enheter"], regioner=regioner, demo_rader=demo, seed=seed)
            res = import_katalog(data=filer.katalog_csv(kat), filnamn=f"seed_scale_katalog_{idag:%Y%m%d}.csv")
            if not res.ok:
                raise CommandError("Katalogfilen avvisades: " + "; ".join(res.fel[:5]))
            self.stdout.write(f"  {res.meddelande}")
        with self.fas("Avtal via avtalsimporten"):
            data = filer.avtal_csv(kat=kat, antal_avtal=antal["avtal"], rader_per_avtal=10, regionkoder=regionkoder,
                                   idag=idag, seed=seed + 1)  # fmt: skip
            u = importera_direkt(filnamn=f"seed_scale_avtal_{idag:%Y%m%d}.csv", innehall=data)
            if u.status != Uppladdningsstatus.TILLAMPAD:
                raise CommandError(f"Avtalsfilen gick inte att läsa in ({u.status}): " + "; ".join(u.fel[:5]))
            self.stdout.write(f"  {u.antal_nya} nya avtal, {Avtalsrad.objects.count()} avtalsrader totalt")
        with (
            self.fas("Lägesbild via registerimporterna (SPOR, NCR, Väntetidsdatabasen)"),
            tempfile.TemporaryDirectory() as tmp,
        ):
            filerna = []
            for kalla, namn in (("SPOR", "spor_vantetider"), ("NCR", "ncr_katarakt")):
                innehall, rader = filer.register_csv(kat=kat, kalla=kalla, uttag=idag, seed=seed + 2)
                filerna.append((Path(tmp) / f"{namn}_{idag:%Y%m%d}.csv", innehall, rader))
            manad = (idag.replace(day=1) - timedelta(days=1)).strftime("%Y%m")
            filerna.append(
                (Path(tmp) / f"vantetider_{manad}.csv", filer.vantetider_csv(regionkoder=regionkoder, uttag=idag), 0)
            )
            for path, innehall, _rader in filerna:
                path.write_bytes(innehall)
                t = time.perf_counter()
                inlast = importera_fil(path, startad_av="seed_scale")
                if not inlast.lyckad:
                    fel = inlast.fel_text[:5] or [inlast.run.meddelande]
                    raise CommandError(f"{path.name} avvisades: " + "; ".join(fel))
                self.stdout.write(
                    f"  {path.name}: {inlast.run.rader} rader på {time.perf_counter() - t:.1f} s "
                    f"({inlast.run.get_status_display()})"
                )
            self.stdout.write(f"  {Matvarde.objects.count()} mätvärden totalt")
        with self.fas("Användare"):
            mottagarenheter = list(
                Vardenhet.objects.filter(hsa_id__contains=f"-{MARKOR}", aktiv=True, vardgivare__isnull=False)
                .select_related("region")
                .order_by("pk")[: max(10, antal["enheter"] // 30)]
            )
            personer = fall.skapa_anvandare(list(Region.objects.all()), mottagarenheter)
        with self.fas("Ärenden genom tjänsterna"):
            n = fall.tjanstearenden(antal=antal["tjanst"], personer=personer, idag=idag, seed=seed + 3)
            self.stdout.write(f"  {n} ärenden")
        with self.fas("Ärenden i bulk"):
            n = fall.bulk_arenden(
                antal=antal["arenden"] - antal["tjanst"],
                personer=personer,
                idag=idag,
                seed=seed + 4,
                stdout=self.stdout,
            )
            self.stdout.write(f"  {n} ärenden; {Arende.objects.count()} ärenden totalt")
        with self.fas("ANALYZE"):
            from django.db import connection

            if connection.vendor == "postgresql":
                with connection.cursor() as cur:
                    cur.execute("ANALYZE")


__all__ = ["Command", "transaction"]
