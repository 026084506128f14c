"""Template filters for the one formatting rule (vardformedling/format.py); a builtin, so no {% load %} is needed.

`{{ pris|kr }}` "12 900 kr", `{{ n|antal }}` "1 234", `{{ x|procent }}` "67 %" (`{{ x|procent:1 }}` "21,9 %"),
`{{ x|tal:1 }}` "1,5", `{{ n|dagar }}` "45 dagar", `{{ d|datum }}` "2026-12-07", `{{ d|datum_lang }}`
"7 december 2026", `{{ t|tidpunkt }}` "2026-12-07 14:05", `{{ n|antal_ord:"nytt avtal,nya avtal" }}`
"1 nytt avtal", `{{ n|plural:"dag,dagar" }}` "dag"/"dagar".
"""

from django import template

from vardformedling import format as fmt

register = template.Library()

register.filter("antal", fmt.antal)
register.filter("kr", fmt.kr)
register.filter("dagar", fmt.dagar)
register.filter("datum", fmt.datum)
register.filter("datum_lang", fmt.datum_lang)
register.filter("vecka", fmt.vecka)


@register.filter
def tal(varde, decimaler=0) -> str:
    return fmt.tal(varde, int(decimaler))


@register.filter
def procent(varde, decimaler=0) -> str:
    return fmt.procent(varde, int(decimaler))


@register.filter
def tidpunkt(varde, sekunder="") -> str:
    return fmt.tidpunkt(varde, sekunder=bool(sekunder))


def _former(former: str) -> tuple[str, str]:
    en, _, flera = former.partition(",")
    return en.strip(), (flera or en).strip()


@register.filter
def plural(n, former: str) -> str:
    return fmt.plural(n, *_former(former))


@register.filter
def antal_ord(n, former: str) -> str:
    return fmt.antal_ord(n, *_former(former))
