"""Benchmark: follow-up statistics (/uppfoljning/) over all cases, as a coordinator. Target p95 < 300 ms.

.venv/bin/python bench/uppfoljning.py [--antal 200] [--scale 1]
"""

from _common import argument, forbered, klient, mat, rapportera, referens

MAL_P95_MS = 300


def main(antal: int = 200, scale: float | None = None) -> list[dict]:
    forbered(scale)

    from vardformedling.models import Roll

    client, _ = klient(Roll.KOORDINATOR, "01")
    svar = client.get("/uppfoljning/", HTTP_HOST="127.0.0.1")
    if svar.status_code != 200:
        print(f"Uppföljning: /uppfoljning/ gav HTTP {svar.status_code} – sidan finns inte än, inget mätt.")
        return [{"namn": "Uppföljning", "url": "/uppfoljning/", "saknas": svar.status_code, "mal_p95_ms": MAL_P95_MS,
                 "uppfyllt": None}]  # fmt: skip
    urls = ["/uppfoljning/", "/uppfoljning/?period=365"]
    return [rapportera("Uppföljning", urls[0], mat(client, urls, antal), referens(antal), MAL_P95_MS)]


if __name__ == "__main__":
    a = argument(__doc__)
    main(a.antal, a.scale)
