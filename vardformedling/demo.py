"""Demo identities (shared/CONTRACTS.md). Idempotent."""

from django.db import transaction

from katalog.models import Vardenhet
from vardformedling.models import Medarbetaruppdrag, Region, Roll, User

DEMO_ENHET_MOTTAGARE = "SE5560000001-OGON02"  # Demo Ögonklinik Uppsala (the demo private eye clinic)

IDENTITIES = [
    ("SE2321000180-VL01", "Vera Lots", [(Roll.VARDLOTS, "20", None)]),
    ("SE2321000057-KO01", "Karin Koordinator", [(Roll.KOORDINATOR, "06", None), (Roll.VARDLOTS, "06", None)]),
    ("SE2321000016-AD01", "Adam Admin", [(Roll.ADMINISTRATOR, None, None)]),
    ("SE5560000001-MO01", "Mona Mottagare", [(Roll.MOTTAGARE, "03", DEMO_ENHET_MOTTAGARE)]),
    ("SE2321000206-VL02", "Ville Lots", [(Roll.VARDLOTS, "22", None)]),
]


@transaction.atomic
def load(stdout=None) -> None:
    for hsa_id, namn, uppdrag in IDENTITIES:
        user, created = User.objects.get_or_create(hsa_id=hsa_id, defaults={"namn": namn})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        for roll, region_kod, enhet_hsa in uppdrag:
            region = Region.objects.get(kod=region_kod) if region_kod else None
            enhet = Vardenhet.objects.get(hsa_id=enhet_hsa) if enhet_hsa else None
            Medarbetaruppdrag.objects.get_or_create(user=user, roll=roll, region=region, vardenhet=enhet)
    if stdout:
        stdout.write(f"Demoidentiteter: {len(IDENTITIES)}")
