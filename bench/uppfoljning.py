"""Benchmark: follow-up statistics (/uppfoljning/) over all cases, as a coordinator. Target p95 < 300 ms.

    .venv/bin/python bench/uppfoljning.py [--antal 200] [--scale 1]

Cycles over the default period and the last 365 days. A page that does not answer 200 is a failure (exit 1).

Two rows: the page as it is mostly seen (figures cached under the cases' version), and the page right after a case
write anywhere (the version dropped before each request, as a save does: every figure is computed again), with
a quarter of the requests and no target of its own: under the realistic load's writes that is the page's tail.
"""

from _common import forbered, klient, kor, mat, rapportera, referens

MAL_P95_MS = 300


class EfterSkrivning:
    """The client, but each GET follows a case write elsewhere: the cases' version is dropped first (two cache
    round trips, as `Arende.save` does), so the page computes its figures again."""

    def __init__(self, client):
        self.client = client

    def get(self, *args, **kwargs):
        from vardformedling import referensdata

        referensdata.ogiltigforklara("arenden")
        return self.client.get(*args, **kwargs)


def main(antal: int = 200, scale: float | None = None) -> list[dict]:
    forbered(scale)
    from vardformedling.models import Roll

    client, _ = klient(Roll.KOORDINATOR, "01")
    urls = ["/uppfoljning/", "/uppfoljning/?period=365"]
    varm = rapportera("Uppföljning", urls[0], mat(client, urls, antal), referens(antal), MAL_P95_MS)
    kalla = max(20, antal // 4)
    kall = rapportera(
        "Uppföljning efter en ärendeskrivning",
        urls[0],
        mat(EfterSkrivning(client), urls, kalla),
        referens(kalla),
        None,
    )
    return [varm, kall]


if __name__ == "__main__":
    kor(main, __doc__)
