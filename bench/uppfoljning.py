"""Benchmark: follow-up statistics (/uppfoljning/) over all cases, as a coordinator. Target p95 < 300 ms.

    .venv/bin/python bench/uppfoljning.py [--antal 200] [--scale 1]

Cycles over the default period and the last 365 days. A page that does not answer 200 is a failure (exit 1).
"""

from _common import forbered, klient, kor, mat, rapportera, referens

MAL_P95_MS = 300


def main(antal: int = 200, scale: float | None = None) -> list[dict]:
    forbered(scale)
    from vardformedling.models import Roll

    client, _ = klient(Roll.KOORDINATOR, "01")
    urls = ["/uppfoljning/", "/uppfoljning/?period=365"]
    return [rapportera("Uppföljning", urls[0], mat(client, urls, antal), referens(antal), MAL_P95_MS)]


if __name__ == "__main__":
    kor(main, __doc__)
