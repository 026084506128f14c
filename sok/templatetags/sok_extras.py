"""Display helpers for catalogue templates."""

from django import template

register = template.Library()

ERSATTNINGSMODELLER = {
    "per_atgard": "per åtgärd",
    "fast": "fast ersättning",
    "per_vardtillfalle": "per vårdtillfälle",
}


@register.filter
def ersattning(value: str) -> str:
    """The agreement file's codes in words; free text is shown as written."""
    return ERSATTNINGSMODELLER.get(value, value)
