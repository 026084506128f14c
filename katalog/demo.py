"""Demo catalogue: fixtures/demo/katalog_demo.csv read through the real importer (idempotent)."""

from django.conf import settings

from katalog.importer import import_katalog

DEMO_FILE = settings.BASE_DIR / "fixtures" / "demo" / "katalog_demo.csv"


def load(stdout=None) -> None:
    resultat = import_katalog(data=DEMO_FILE.read_bytes(), filnamn=DEMO_FILE.name)
    if not resultat.ok:
        raise RuntimeError("Demokatalogen avvisades: " + "; ".join(resultat.fel[:10]))
    if stdout:
        stdout.write(f"Katalog: {resultat.meddelande}\n")
