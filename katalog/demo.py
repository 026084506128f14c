"""Demo catalogue (fixtures/demo/katalog_demo.csv through the real importer) and the demo identities (idempotent).

The identities live here because the receiving unit's commission names a catalogue unit (shared/CONTRACTS.md).
"""

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from katalog.importer import import_katalog
from katalog.models import Vardenhet, Vardutbud
from vardformedling.models import Medarbetaruppdrag, Region, Roll, User

DEMO_FILE = settings.BASE_DIR / "fixtures" / "demo" / "katalog_demo.csv"
DEMO_ENHET_MOTTAGARE = "SE5560000001-OGON02"  # Demo Ögonklinik Uppsala (the demo private eye clinic)
KVALITET = {DEMO_ENHET_MOTTAGARE: Decimal("1.2"), "SE2321000180-OGON01": Decimal("2.8")}  # reoperation, %

IDENTITIES: list[tuple[str, str, list[tuple[str, str | None, str | None]]]] = [
    ("SE2321000180-VL01", "Vera Lots", [(Roll.VARDLOTS, "20", None)]),
    ("SE2321000057-KO01", "Karin Koordinator", [(Roll.KOORDINATOR, "06", None), (Roll.VARDLOTS, "06", None)]),
    ("SE2321000016-AD01", "Adam Admin", [(Roll.ADMINISTRATOR, None, None)]),
    ("SE5560000001-MO01", "Mona Mottagare", [(Roll.MOTTAGARE, "03", DEMO_ENHET_MOTTAGARE)]),
    ("SE2321000206-VL02", "Ville Lots", [(Roll.VARDLOTS, "22", None)]),
    # Added for issue #19 (threshold notices reach region 22, where the demo's cataract cases come from).
    ("SE2321000206-KO02", "Kerstin Koordinator", [(Roll.KOORDINATOR, "22", None)]),
    # Dalarna's coordinator: opens Falu lasarett's knee waiting list of the pilot (issue 17; lists are coordinators').
    ("SE2321000180-KO02", "Dagny Koordinator", [(Roll.KOORDINATOR, "20", None)]),
]
# Notices (volume thresholds, capacity announcements) are e-mailed to these addresses; `make run` prints the mails.
EPOST = {hsa_id: f"{namn.lower().replace(' ', '.')}@demo.vardformedling.example" for hsa_id, namn, _ in IDENTITIES}


def load(stdout=None) -> None:
    """The demo catalogue, then the demo identities."""
    resultat = import_katalog(data=DEMO_FILE.read_bytes(), filnamn=DEMO_FILE.name)
    if not resultat.ok:
        raise RuntimeError("Demokatalogen avvisades: " + "; ".join(resultat.fel[:10]))
    if stdout:
        stdout.write(f"Katalog: {resultat.meddelande}\n")
    # The quality measure (issue #19 point 6) for two cataract units; the others show "saknas" in "Varför här?".
    for hsa_id, andel in KVALITET.items():
        Vardutbud.objects.filter(vardenhet__hsa_id=hsa_id, kva_id="CJE").update(reoperation_andel=andel)
    load_identiteter(stdout)


@transaction.atomic
def load_identiteter(stdout=None) -> None:
    """The demo identities of shared/CONTRACTS.md with their commissions."""
    for hsa_id, namn, uppdrag in IDENTITIES:
        user, created = User.objects.get_or_create(hsa_id=hsa_id, defaults={"namn": namn, "epost": EPOST[hsa_id]})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        elif not user.epost:  # demo data loaded before the addresses existed
            user.epost = EPOST[hsa_id]
            user.save(update_fields=["epost"])
        for roll, region_kod, enhet_hsa in uppdrag:
            region = Region.objects.get(kod=region_kod) if region_kod else None
            enhet = Vardenhet.objects.get(hsa_id=enhet_hsa) if enhet_hsa else None
            Medarbetaruppdrag.objects.get_or_create(user=user, roll=roll, region=region, vardenhet=enhet)
    if stdout:
        stdout.write(f"Demoidentiteter: {len(IDENTITIES)}")
