"""Demo part of the open API: a fresh token for the demo system, printed by load_demo (the earlier one is revoked)."""

from api.models import ApiToken

DEMO_SYSTEM = "Demosystem (load_demo)"


def load(stdout) -> None:
    for gammal in ApiToken.objects.giltiga().filter(system=DEMO_SYSTEM):
        gammal.aterkalla()
    _rad, token = ApiToken.skapa(system=DEMO_SYSTEM, skapad_av="load_demo")
    stdout.write(f"API-token för demo (/api/v1/, visas bara nu): {token}")
    stdout.write(f'  curl -H "Authorization: Bearer {token}" "http://localhost:8000/api/v1/vantetider?kva=CJE"')
