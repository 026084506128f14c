"""Server-rendered SVG charts: readable x labels whatever the number of months."""

import re
from itertools import pairwise

from vardformedling.charts import Serie, linjediagram


def _x_labels(svg: str) -> list[tuple[float, str]]:
    # x labels sit just under the plot (y = top 28 + plot 194 + 16); y labels are right-aligned at x = 58
    # (each label's lines are <tspan>s; a shortened label carries its full text as <title>)
    etiketter = re.findall(r'<text x="([\d.]+)" y="238" text-anchor="middle"[^>]*>(.*?)</text>', svg)
    return [(float(x), " ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", inre))) for x, inre in etiketter]


def test_x_labels_never_crowd_and_the_newest_month_is_always_labelled():
    for n in range(1, 41):
        etiketter = [f"{2020 + i // 12}-{i % 12 + 1:02d}" for i in range(n)]
        svg = linjediagram(titel="t", beskrivning="d", etiketter=etiketter, serier=[Serie("s", list(range(n)))])
        labels = _x_labels(svg)
        assert labels[-1][1] == etiketter[-1], n
        assert len(labels) <= 9, n
        gaps = [b[0] - a[0] for a, b in pairwise(labels)]
        # "2026-11" at 11 px is about 45 px wide: labels at least 60 px apart never touch
        assert all(g >= 60 for g in gaps), (n, gaps)
