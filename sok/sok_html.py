"""The markup of one search result ("träff"), built in Python: the fast path of templates/sok/_traff.html.

Why not the template: a page shows 20 results, each with ~120 variable lookups, two includes and ~10 number
filters; rendering _traff.html takes ~4× as long as this (measured: 32 ms vs 7 ms for 20 results on the shared
2-core machine). The template stays the reference for the markup: tests/sok/test_sok_html.py renders both for
results that cover every branch and requires them to be equal, so a change to one fails until the other follows.
Numbers follow the portal's one rule (vardformedling/format.py); URLs come from `reverse()`.
"""

from functools import lru_cache
from html import escape as _html_escape
from urllib.parse import quote

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe

from avtal.api import ersattning_text
from vardformedling import format as fmt

_KLARAR_INTE_VARDGARANTI = '\n        <span class="badge badge--err">klarar inte vårdgarantin</span>'
_DELPOANG_HUVUD = (
    '<thead><tr><th scope="col">Kriterium</th><th scope="col" class="num">Delpoäng</th>'
    '<th scope="col" class="num">Vikt</th><th scope="col">Underlag</th></tr></thead>'
)


def tal(value, decimaler: int = 0, *, gruppera: bool = True) -> str:
    """A number by the portal's one rule (vardformedling/format.py); None → ""."""
    return fmt.tal(value, decimaler)


@lru_cache(maxsize=8192)
def _url(urlconf, prefix: str, namn: str, arg: str) -> str:
    return reverse(namn, urlconf=urlconf, args=[arg])


def url(namn: str, arg) -> str:
    """`reverse(namn, args=[arg])`, remembered per URLconf and script prefix: a page of results asks for ~70
    URLs, most of them the same units and agreements again, and reverse() costs tens of microseconds each."""
    return _url(get_urlconf(), get_script_prefix(), namn, str(arg))


def escape(value) -> str:
    """As django.utils.html.escape (which is this behind a lazy-string wrapper costing ~5 µs a call)."""
    return _html_escape(str(value))


def _datum(d) -> str:
    return f"{d:%Y-%m-%d}" if d else ""


def vantetid_html(v) -> str:
    """As templates/sok/_vantetid.html."""
    if not v:
        return '<span class="suppressed">uppgift saknas</span>'
    kalla = f'<span class="muted">(källa {escape(v.kalla)}, data t.o.m. {_datum(v.datum)})</span>'
    if v.undertryckt:
        return f'<span class="suppressed">färre än 5</span> {kalla}'
    if v.median_dagar is not None:
        ut = f"median <strong>{fmt.dagar(v.median_dagar)}</strong>"
    else:
        ut = '<span class="suppressed">median saknas</span>'
    if v.antal is not None:
        ut += f", {fmt.antal_ord(v.antal, 'operation', 'operationer')} senaste 90 dagarna"
    return ut + f" {kalla}"


def avtalsrader_html(rader) -> str:
    """As templates/sok/_avtalsrader.html."""
    if not rader:
        return '<span class="suppressed">inget användbart avtal</span>'
    delar = ['<ul class="avtalsrader">']
    for r in rader:
        pris = fmt.kr(r.pris_kr) if r.pris_kr is not None else "pris saknas"
        modell = f" {escape(ersattning_text(r.ersattningsmodell))}" if r.ersattningsmodell else ""
        if r.kvar is None:
            volym = "inget volymtak"
        elif r.kvar <= 0:
            volym = '<span class="badge badge--err">takvolym nådd</span>'
        else:
            volym = f"{fmt.antal(r.kvar)} kvar av {fmt.antal(r.takvolym)}"
        delar.append(
            f'<li><a href="{escape(url("avtal:detalj", r.avtal_id))}">{escape(r.avtal_id)}</a> '
            f'<span class="muted">({escape(r.avtalsagare_kod)})</span>: {pris}{modell} · {volym}</li>'
        )
    delar.append("</ul>")
    return "".join(delar)


def _kontakt(enhet) -> str:
    delar = []
    if enhet.telefon:
        delar.append(f'<a href="tel:{escape(enhet.telefon.replace(" ", ""))}">{escape(enhet.telefon)}</a>')
    if enhet.epost:
        delar.append(f'<a href="mailto:{escape(enhet.epost)}">{escape(enhet.epost)}</a>')
    return " · ".join(delar) or '<span class="suppressed">uppgift saknas</span>'


def traff_html(t, *, arende: str = "") -> SafeString:
    """One `<li class="traff panel">` of the result list (the Traff must be hydrated)."""
    enhet, vu = t.enhet, t.vardutbud
    namn = escape(enhet.namn)
    erbjud = ""
    if arende:
        rad = t.basta_rad.rad_id if t.basta_rad and t.basta_rad.rad_id is not None else ""
        erbjud = (
            f'<a class="btn btn--small" href="{escape(url("arenden:erbjudande_nytt", arende))}'
            f'?vardenhet={escape(quote(enhet.hsa_id, safe="/"))}&amp;rad={rad}">'
            f'Erbjud<span class="visually-hidden"> {namn}</span></a>'
        )
    vg = enhet.vardgivare
    vardgivare = escape(vg.namn) if vg and vg.namn else "okänd"
    if vg:
        vardgivare += f' <span class="badge badge--info">{escape(vg.get_agarform_display())}</span>'
    region = escape(enhet.region.namn) + (f", {escape(enhet.ort)}" if enhet.ort else "")
    avstand = f"{tal(t.avstand_km)}\u00a0km" if t.avstand_km is not None else '<span class="suppressed">okänt</span>'
    formaga = f"ASA 1–{vu.max_asa} · {'narkos' if vu.narkos else 'ej narkos'}"
    if not vu.tar_emot_andra_regioner:
        formaga += ' · <span class="badge badge--warn">bara egna regionen</span>'
    garanti = _KLARAR_INTE_VARDGARANTI if t.klarar_vardgaranti is False else ""
    delar = "".join(
        f'<tr><th scope="row">{escape(d.namn)}</th><td class="num">{tal(d.poang)}</td>'
        f'<td class="num">{d.vikt}</td><td>{escape(d.forklaring)}</td></tr>'
        for d in t.delar
    )
    return mark_safe(  # noqa: S308 – every interpolated value above is escaped or built from numbers
        f"""<li class="traff panel">
      <div class="traff__huvud">
        <h3 class="traff__namn"><a href="{escape(url("katalog:enhet", enhet.hsa_id))}">{namn}</a></h3>
        <span class="poang" title="Poäng 0–100">Poäng <strong>{tal(t.poang)}</strong></span>{garanti}
        {erbjud}
      </div>
      <dl class="facts traff__fakta">
        <dt>Vårdgivare</dt><dd>{vardgivare}</dd>
        <dt>Region</dt><dd>{region}</dd>
        <dt>Avstånd</dt><dd>{avstand}</dd>
        <dt>Väntetid</dt><dd>{vantetid_html(t.vantetid)}</dd>
        <dt>Avtal</dt><dd>{avtalsrader_html(t.rader)}</dd>
        <dt>Förmåga</dt><dd>{formaga}</dd>
        <dt>Kontakt</dt><dd>{_kontakt(enhet)}</dd>
      </dl>
      <details class="varfor">
        <summary>Varför här?</summary>
        <table class="delpoang">
          <caption class="visually-hidden">Delpoäng för {namn}</caption>
          {_DELPOANG_HUVUD}
          <tbody>
            {delar}
          </tbody>
          <tfoot><tr><th scope="row">Viktat medel</th>
            <td class="num"><strong>{tal(t.poang, 1)}</strong></td><td colspan="2"></td></tr></tfoot>
        </table>
      </details>
    </li>
"""
    )
