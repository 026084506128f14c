"""Where the time goes (issue 21 point 2): the server time of the realistic mix's three heaviest pages split into
SQL, template rendering and Python, and a cProfile text profile of each under bench/profiler/.

    .venv/bin/python bench/profilera.py [--antal 40] [--scale 1] [--sidor uppfoljning,lagesbild_enhet,arendesida]

Pages (by server time in bench/load/RESULTS.md's realistic profile; the search is measured in bench/search.py):
follow-up `/uppfoljning/` as a coordinator of region 01 (the bench/uppfoljning.py URLs), the lägesbild unit view of
the 20 units offering the most KVÅ groups (bench/lagesbild_unit.py) and the case page over region 20's newest cases
(bench/case_page.py). Each page is requested `--antal` times in-process (django.test.Client, DEBUG off, as
bench/_common.py) twice: once timed, with SQL timed by an execute wrapper and template rendering by a wrapper
around the Django template backend's render (SQL run while a template renders counts as SQL, not template), and
once under cProfile. "Python" is what remains: middleware, views, forms, formatting. /healthz is timed the same way
as the reference. Writes bench/profiler/<page>.txt (the split, then the profile sorted by cumulative time, top 60
functions) and prints the split.
"""

import cProfile
import io
import pstats
import statistics
import time
from datetime import datetime
from pathlib import Path

from _common import HOST, Misslyckad, forbered, klient, referens

UT = Path(__file__).resolve().parent / "profiler"
RADER = 60  # functions per profile


def _sidor() -> dict[str, tuple[str, str, list[str]]]:
    """name → (title, role, URLs), as the page's own bench script chooses them."""
    from django.db.models import Count

    from arenden.models import Arende
    from katalog.models import Vardenhet
    from vardformedling.models import Roll

    enheter = Vardenhet.objects.annotate(n=Count("vardutbud")).order_by("-n", "pk").values_list("hsa_id", flat=True)
    arenden = Arende.objects.filter(region_id="20").order_by("-pk").values_list("case_id", flat=True)
    return {
        "uppfoljning": ("Uppföljning", Roll.KOORDINATOR, ["/uppfoljning/", "/uppfoljning/?period=365"]),
        "lagesbild_enhet": (
            "Lägesbild, enhetsvy (18 mån)",
            Roll.VARDLOTS,
            [f"/lagesbild/enheter/{h}/" for h in enheter[:20]],
        ),
        "arendesida": ("Ärendesida", Roll.VARDLOTS, [f"/arenden/{c}/" for c in arenden[:200]]),
    }


class Uppdelning:
    """Times SQL (execute wrapper) and template rendering (the backend Template.render, outermost call only) of
    the requests made inside it; SQL run during rendering is subtracted from the template time."""

    def __init__(self):
        self.sql = 0.0
        self.mall = 0.0
        self._djup = 0
        self._sql_i_mall = 0.0

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            d = time.perf_counter() - t
            self.sql += d
            if self._djup:
                self._sql_i_mall += d

    def __enter__(self):
        from django.db import connection
        from django.template.backends.django import Template

        self._original = Template.render
        uppdelning = self

        def render(mall, *args, **kwargs):
            uppdelning._djup += 1
            t = time.perf_counter()
            try:
                return uppdelning._original(mall, *args, **kwargs)
            finally:
                uppdelning._djup -= 1
                if not uppdelning._djup:
                    uppdelning.mall += time.perf_counter() - t - uppdelning._sql_i_mall
                    uppdelning._sql_i_mall = 0.0

        Template.render = render  # type: ignore[method-assign]
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        from django.template.backends.django import Template

        self._wrapper.__exit__(*exc)
        Template.render = self._original  # type: ignore[method-assign]


def hamta(client, url: str):
    svar = client.get(url, HTTP_HOST=HOST)
    if svar.status_code != 200:
        raise Misslyckad(f"{url} gav HTTP {svar.status_code}")
    return svar


def profilera(namn: str, titel: str, client, urls: list[str], antal: int, ref: dict) -> dict:
    if not urls:
        raise Misslyckad(f"{titel}: inga adresser (saknas data?)")
    for url in urls[:3]:
        hamta(client, url)  # warm-up: caches, first compiled templates
    totalt, sql, mall = [], [], []
    for i in range(antal):
        with Uppdelning() as u:
            t = time.perf_counter()
            hamta(client, urls[i % len(urls)])
            totalt.append((time.perf_counter() - t) * 1000)
        sql.append(u.sql * 1000)
        mall.append(u.mall * 1000)
    python = [t - s - m for t, s, m in zip(totalt, sql, mall, strict=True)]
    profil = cProfile.Profile()
    for i in range(antal):
        profil.enable()
        hamta(client, urls[i % len(urls)])
        profil.disable()
    strom = io.StringIO()
    pstats.Stats(profil, stream=strom).strip_dirs().sort_stats("cumulative").print_stats(RADER)
    med = {k: statistics.median(v) for k, v in (("totalt", totalt), ("sql", sql), ("mall", mall), ("python", python))}
    sammanfattning = (
        f"{titel}: median {med['totalt']:.1f} ms över {antal} anrop ({urls[0]} …); SQL {med['sql']:.1f} ms "
        f"({100 * med['sql'] / med['totalt']:.0f} %), mallar {med['mall']:.1f} ms "
        f"({100 * med['mall'] / med['totalt']:.0f} %), Python {med['python']:.1f} ms "
        f"({100 * med['python'] / med['totalt']:.0f} %); /healthz median {ref['median_ms']} ms"
    )
    UT.mkdir(exist_ok=True)
    (UT / f"{namn}.txt").write_text(
        f"# {titel} — bench/profilera.py, {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}\n"
        f"# {sammanfattning}\n"
        f"# cProfile over the same {antal} requests (profiling itself slows the Python part), sorted by cumulative "
        f"time; paths stripped.\n\n{strom.getvalue()}",
        encoding="utf-8",
    )
    print(sammanfattning, flush=True)
    return {"namn": namn, "titel": titel, **{f"{k}_ms": round(v, 1) for k, v in med.items()}}


def main() -> list[dict]:
    import argparse

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--antal", type=int, default=40, help="anrop per sida (och lika många profilerade)")
    p.add_argument("--scale", type=float, default=None, help="seed_scale-skala om databasen är tom (standard 1)")
    p.add_argument("--sidor", default="uppfoljning,lagesbild_enhet,arendesida", help="kommaseparerade sidnamn")
    a = p.parse_args()
    forbered(a.scale)
    sidor = _sidor()
    valda = [s for s in a.sidor.split(",") if s]
    ref = referens(a.antal)
    ut = []
    for namn in valda:
        titel, roll, urls = sidor[namn]
        client, _ = klient(roll, "01" if namn == "uppfoljning" else "20")
        ut.append(profilera(namn, titel, client, urls, a.antal, ref))
    return ut


if __name__ == "__main__":
    main()
