"""Server-rendered SVG bar charts for the follow-up page (the lägesbild draws lines; this draws bars).

Reuses the lägesbild's axis rounding, number format and colours. Every chart has <title> and <desc> and is
shown next to a table with the same numbers; a suppressed value (None) draws no bar.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lagesbild.charts import FARGER, Serie, _snyggt_max, svg_ram

__all__ = ["Serie", "stapeldiagram"]


def stapeldiagram(
    *,
    titel: str,
    beskrivning: str,
    etiketter: list[str],
    serier: list[Serie],
    y_etikett: str = "",
    bredd: int = 640,
    hojd: int = 280,
    id_prefix: str = "stapel",
) -> SafeString:
    """Grouped vertical bars: one group per label (e.g. month; a newline gives a second line), legend below."""
    vanster, hoger, topp, botten = 56, 16, 28, 58
    plot_b, plot_h = bredd - vanster - hoger, hojd - topp - botten
    alla = [v for s in serier for v in s.varden if v is not None]
    ymax = _snyggt_max(max(alla) if alla else 1)
    n = max(len(etiketter), 1)
    grupp_b = plot_b / n
    stapel_b = max(grupp_b * 0.8 / max(len(serier), 1), 1)

    def y(v: float) -> float:
        return topp + plot_h - plot_h * v / ymax

    delar = svg_ram(
        titel=titel,
        beskrivning=beskrivning,
        id_prefix=id_prefix,
        bredd=bredd,
        hojd=hojd,
        vanster=vanster,
        hoger=hoger,
        topp=topp,
        plot_h=plot_h,
        ymax=ymax,
        y_etikett=y_etikett,
    )
    steg = max(1, -(-n // 12))
    for i, label in enumerate(etiketter):
        x0 = vanster + grupp_b * i + grupp_b * 0.1
        for si, serie in enumerate(serier):
            v = serie.varden[i] if i < len(serie.varden) else None
            if v is None or v <= 0:
                continue
            yy = y(v)
            delar.append(
                f'<rect x="{x0 + si * stapel_b:.1f}" y="{yy:.1f}" width="{stapel_b:.1f}" '
                f'height="{topp + plot_h - yy:.1f}" fill="{FARGER[si % len(FARGER)]}"/>'
            )
        if i % steg == 0:
            # Two lines at most ("jan" / "2026"), cut to what fits under the group.
            rader = label.split("\n")[:2]
            tecken = max(int(grupp_b * steg / 6.5), 3)
            for li, rad in enumerate(rader):
                rad = rad if len(rad) <= tecken else rad[: tecken - 1] + "…"
                delar.append(
                    f'<text x="{vanster + grupp_b * (i + 0.5):.1f}" y="{topp + plot_h + 16 + 13 * li}" '
                    f'text-anchor="middle" font-size="11" fill="#333">{escape(rad)}</text>'
                )
    for si, serie in enumerate(serier):
        lx, ly = vanster + si * 190, hojd - 14
        delar.append(f'<rect x="{lx}" y="{ly - 10}" width="14" height="12" fill="{FARGER[si % len(FARGER)]}"/>')
        delar.append(f'<text x="{lx + 20}" y="{ly}" font-size="12" fill="#222">{escape(serie.namn)}</text>')
    if not alla:
        delar.append(
            f'<text x="{bredd / 2}" y="{topp + plot_h / 2}" text-anchor="middle" font-size="13" fill="#333">'
            "Inga värden att visa</text>"
        )
    delar.append("</svg>")
    return mark_safe("".join(delar))  # noqa: S308 - every text part above is escaped
