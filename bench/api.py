"""Benchmark: the open API. Targets: waiting times for one KVÅ group over all units p95 < 50 ms, a 304
revalidation (If-None-Match) p95 < 10 ms.

    .venv/bin/python bench/api.py [--antal 200] [--scale 1]

The KVÅ group offered by the most units, unit level, 90 days, every unit on one page (`per_sida=5000`), with a
token of its own (revoked afterwards) and the rate limit lifted for the run. Reference: /healthz, same run.
A process serves a repeated 200 from its copy of the answer (api.svar.kopior, kept under the ETag); the third
scenario forgets the copies before each request: the first request of a data version in a process (after a new
delivery, a catalogue change or at midnight), reported without a target.
"""

from _common import forbered, kor, mat, rapportera, referens

MAL_P95_MS = 50
MAL_304_P95_MS = 10


def main(antal: int = 200, scale: float | None = None) -> list[dict]:
    forbered(scale)
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client

    from api.models import ApiToken
    from api.svar import kopior
    from katalog.models import Vardutbud

    settings.API_ANROP_PER_MINUT = 10**9
    kva = (
        Vardutbud.objects.values("kva_id").annotate(n=Count("id")).exclude(kva_id__in=["CJE", "CJC", "CJD"])
        .order_by("-n").first()["kva_id"]
    )  # fmt: skip
    rad, token = ApiToken.skapa(system="bench/api.py")
    try:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        ref = referens(antal)
        url = f"/api/v1/vantetider?kva={kva}&period=90d&per_sida=5000"
        forsta = client.get(url, HTTP_HOST="127.0.0.1")
        antal_rader = forsta.json()["antal"] if forsta.status_code == 200 else 0
        hel = mat(client, url, antal)
        inte_andrad = mat(client, url, antal, status=304, rubriker={"HTTP_IF_NONE_MATCH": forsta.get("ETag", "")})
        kall = mat(UtanKopia(client, kopior), url, max(20, antal // 4))
        return [
            rapportera(f"API, väntetider {kva} alla enheter ({antal_rader} rader)", url, hel, ref, MAL_P95_MS),
            rapportera(f"API, väntetider {kva} 304 (If-None-Match)", url, inte_andrad, ref, MAL_304_P95_MS),
            rapportera(f"API, väntetider {kva} utan kopia (ny dataversion)", url, kall, ref, None),
        ]
    finally:
        rad.delete()


class UtanKopia:
    """A client whose every request is the first of its data version in the process: the kept answers forgotten."""

    def __init__(self, client, kopior):
        self.client, self.kopior = client, kopior

    def get(self, *args, **kwargs):
        self.kopior.glom()
        return self.client.get(*args, **kwargs)


if __name__ == "__main__":
    kor(main, __doc__)
