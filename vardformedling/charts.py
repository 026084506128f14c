"""Server-rendered SVG charts, lines and bars (no chart JavaScript; strict CSP: presentation attributes, no style="").

Every chart has <title> and <desc> for screen readers and is always shown next to a table with the numbers.
Missing values (e.g. suppressed months) break the line instead of being drawn as zero.
"""

from dataclasses import dataclass
from math import ceil, log10
from typing import cast

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from vardformedling import format as fmt

FARGER = ["#005595", "#b34700", "#2e7d32", "#6a1b9a"]
STRECK = ["", "6 4", "2 3", "8 3 2 3"]


@dataclass
class Serie:
    namn: str
    varden: list[float | None]


def snyggt_max(value: float) -> float:
    """A round upper bound for the y axis (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1
    exp = 10 ** int(log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _tal(value: float) -> str:
    return fmt.tal(value, 0 if value >= 1000 or value == int(value) else 1)


GRIDSTEG = 4  # grid lines above the x axis
_HELTALSSTEG = sorted({m * 10**e for e in range(12) for m in (1, 2, 5)} | {25 * 10**e for e in range(11)})


def y_max(varden: list[float]) -> float:
    """The top of the y axis. Whole-number data (counts of patients, days) gets whole-number ticks: each of the
    GRIDSTEG steps is a round integer (1, 2, 5, 10, 20, 25 …), so no tick reads "0,5 patienter"."""
    storst = max(varden) if varden else 1
    if varden and all(float(v).is_integer() for v in varden):
        steg = next(s for s in _HELTALSSTEG if s * GRIDSTEG >= storst)
        return float(steg * GRIDSTEG)
    return snyggt_max(storst)


def radbryt(text: str, tecken: int, rader: int = 2) -> tuple[list[str], bool]:
    """`text` in at most `rader` lines of about `tecken` characters, broken between words (an existing newline is
    kept); True when it had to be shortened with "…" (the caller then gives the full text as a <title>)."""
    ut: list[str] = []
    for stycke in text.split("\n"):
        rad = ""
        for ord_ in stycke.split():
            if rad and len(rad) + 1 + len(ord_) > tecken:
                ut.append(rad)
                rad = ord_
            else:
                rad = f"{rad} {ord_}".strip()
        ut.append(rad)
    kortad = len(ut) > rader or any(len(r) > tecken for r in ut)
    ut = ut[:rader]
    if kortad:
        ut = [r if len(r) <= tecken else r[: max(tecken - 1, 1)] + "…" for r in ut]
        if not ut[-1].endswith("…"):
            ut[-1] = ut[-1][: max(tecken - 1, 1)] + "…"
    return ut, kortad


def _etikett(x: float, y: float, text: str, tecken: int, rader: int = 2) -> str:
    """An x-axis label: wrapped between words; shortened ones carry the full text as <title> (the table beside the
    chart has it too)."""
    linjer, kortad = radbryt(text, tecken, rader)
    titel = f"<title>{escape(text.replace(chr(10), ' '))}</title>" if kortad else ""
    tspans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 13}">{escape(rad)}</tspan>' for i, rad in enumerate(linjer)
    )
    return f'<text x="{x:.1f}" y="{y}" text-anchor="middle" font-size="11" fill="#333">{titel}{tspans}</text>'


def svg_ram(
    *,
    titel: str,
    beskrivning: str,
    id_prefix: str,
    bredd: int,
    hojd: int,
    vanster: int,
    hoger: int,
    topp: int,
    plot_h: float,
    ymax: float,
    y_etikett: str = "",
    y_axel: bool = False,
) -> list[str]:
    """The opening of every chart: <svg> with <title>/<desc>, horizontal grid lines with y labels, the x axis."""
    tid, did = f"{id_prefix}-titel", f"{id_prefix}-desc"
    delar = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {bredd} {hojd}" role="img" '
        f'aria-labelledby="{tid} {did}" focusable="false">',
        f'<title id="{tid}">{escape(titel)}</title>',
        f'<desc id="{did}">{escape(beskrivning)}</desc>',
    ]
    for k in range(GRIDSTEG + 1):
        v = ymax * k / GRIDSTEG
        yy = topp + plot_h - plot_h * v / ymax
        delar.append(
            f'<line x1="{vanster}" y1="{yy:.1f}" x2="{bredd - hoger}" y2="{yy:.1f}" stroke="#d0d7de" stroke-width="1"/>'
        )
        delar.append(
            f'<text x="{vanster - 6}" y="{yy + 4:.1f}" text-anchor="end" font-size="11" fill="#333">{_tal(v)}</text>'
        )
    delar.append(
        f'<line x1="{vanster}" y1="{topp + plot_h}" x2="{bredd - hoger}" y2="{topp + plot_h}" '
        f'stroke="#333" stroke-width="1"/>'
    )
    if y_axel:
        delar.append(
            f'<line x1="{vanster}" y1="{topp}" x2="{vanster}" y2="{topp + plot_h}" stroke="#333" stroke-width="1"/>'
        )
    if y_etikett:
        delar.append(f'<text x="{vanster}" y="{topp - 10}" font-size="12" fill="#333">{escape(y_etikett)}</text>')
    return delar


def linjediagram(
    *,
    titel: str,
    beskrivning: str,
    etiketter: list[str],
    serier: list[Serie],
    y_etikett: str = "",
    bredd: int = 640,
    hojd: int = 280,
    id_prefix: str = "diagram",
    band: tuple[list[float | None], list[float | None]] | None = None,
    band_namn: str = "",
) -> SafeString:
    """An accessible SVG line chart: x = categories (e.g. months), one line per series, a legend and axes.

    `band` (low, high per category; None outside it) is drawn as a shaded area under the lines, e.g. a forecast's
    interval, with `band_namn` in the legend."""
    vanster, hoger, topp, botten = 64, 16, 28, 58
    plot_b, plot_h = bredd - vanster - hoger, hojd - topp - botten
    alla = [v for s in serier for v in s.varden if v is not None]
    if band:
        alla += [v for v in band[1] if v is not None]
    ymax = y_max(alla)
    n = max(len(etiketter), 1)

    def x(i: int) -> float:
        return vanster + (plot_b * (i + 0.5) / n)

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
        y_axel=True,
    )
    # X labels: at most 9, evenly spaced and counted back from the last one, so the newest category always has
    # its label and no two labels are ever closer than one step (a forced last label overlapped its neighbour).
    steg = max(1, ceil(n / 9))
    for i, label in enumerate(etiketter):
        if (n - 1 - i) % steg == 0:
            delar.append(_etikett(x(i), topp + plot_h + 16, label, max(int(plot_b * steg / n / 6.5), 3)))
    if band:
        index = [i for i, (lag, hog) in enumerate(zip(*band, strict=True)) if lag is not None and hog is not None]
        if index:
            lag_, hog_ = band
            punkter = [f"{x(i):.1f},{y(cast(float, hog_[i])):.1f}" for i in index]  # index: both bounds present
            punkter += [f"{x(i):.1f},{y(cast(float, lag_[i])):.1f}" for i in reversed(index)]
            delar.append(f'<polygon points="{" ".join(punkter)}" fill="#1f5fa8" fill-opacity="0.18" stroke="none"/>')
            lx, ly = vanster + len(serier) * 220, hojd - 14
            delar.append(f'<rect x="{lx}" y="{ly - 10}" width="24" height="10" fill="#1f5fa8" fill-opacity="0.18"/>')
            delar.append(f'<text x="{lx + 30}" y="{ly}" font-size="12" fill="#222">{escape(band_namn)}</text>')
    for si, serie in enumerate(serier):
        farg, streck = FARGER[si % len(FARGER)], STRECK[si % len(STRECK)]
        dash = f' stroke-dasharray="{streck}"' if streck else ""
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(serie.varden):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(v):.1f}")
            delar.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{farg}"/>')
        if segment:
            segments.append(segment)
        for seg in segments:
            delar.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{farg}" stroke-width="2.5"{dash}/>')
        # Legend below the x labels.
        lx = vanster + si * 220
        ly = hojd - 14
        delar.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 24}" y2="{ly - 4}" stroke="{farg}" stroke-width="2.5"{dash}/>'
        )
        delar.append(f'<text x="{lx + 30}" y="{ly}" font-size="12" fill="#222">{escape(serie.namn)}</text>')
    if not alla:
        delar.append(
            f'<text x="{bredd / 2}" y="{topp + plot_h / 2}" text-anchor="middle" font-size="13" fill="#333">'
            "Inga värden att visa</text>"
        )
    delar.append("</svg>")
    return mark_safe("".join(delar))  # noqa: S308 - every text part above is escaped


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
    ymax = y_max(alla)
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
            # Wrapped between words on two lines ("jan" / "2026", "Vill vänta på" / "vård i hemregionen");
            # a label still too long is shortened with its full text as <title>.
            tecken = max(int(grupp_b * steg / 6.5), 3)
            delar.append(_etikett(vanster + grupp_b * (i + 0.5), topp + plot_h + 16, label, tecken))
    # Legend items 190 apart, closer when that would push the last one past the right edge (four series).
    lsteg = min(190, plot_b // max(len(serier), 1))
    for si, serie in enumerate(serier):
        lx, ly = vanster + si * lsteg, hojd - 14
        delar.append(f'<rect x="{lx}" y="{ly - 10}" width="14" height="12" fill="{FARGER[si % len(FARGER)]}"/>')
        delar.append(f'<text x="{lx + 20}" y="{ly}" font-size="12" fill="#222">{escape(serie.namn)}</text>')
    if not alla:
        delar.append(
            f'<text x="{bredd / 2}" y="{topp + plot_h / 2}" text-anchor="middle" font-size="13" fill="#333">'
            "Inga värden att visa</text>"
        )
    delar.append("</svg>")
    return mark_safe("".join(delar))  # noqa: S308 - every text part above is escaped
