"""Display helpers for the search templates."""

from django import template

from avtal.api import ersattning_text

register = template.Library()


@register.filter
def ersattning(value: str) -> str:
    """The agreement file's remuneration codes in words; free text is shown as written."""
    return ersattning_text(value)
