"""One way to answer a URL with either its whole page or, to htmx, one partial of it, with the right headers.

Rule: a response whose content depends on the htmx request headers says so with `Vary` (HX-Request, and
HX-Target when the fragment is chosen by target), and a fragment is never stored by a cache: "back" after
leaving the page must not show the bare fragment that the browser once fetched for the same URL.
"""

from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.template.loader import get_template
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """The type of a request that passed django-htmx's HtmxMiddleware (every request does: settings.MIDDLEWARE), so
    that `request.htmx` is typed. Views that read `request.htmx` annotate their request with it (or a subclass in
    vardformedling/anrop.py)."""

    htmx: HtmxDetails


def wants_fragment(request: HttpRequest, *, target: str | None = None) -> bool:
    """Whether htmx asks for the fragment: an htmx request (not a boosted link or form, which wants the page), and
    with `target` only one aimed at that element id."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.boosted and (target is None or htmx.target == target)


def patch_page_or_fragment_headers(
    response: HttpResponse, *, fragment: bool, target: str | None = None
) -> HttpResponse:
    """The headers of a URL that answers a page or a fragment (for views that build the response themselves)."""
    patch_vary_headers(response, ["HX-Request", "HX-Target"] if target else ["HX-Request"])
    if fragment:
        add_never_cache_headers(response)
    return response


def render_page_or_fragment(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    fragment: str,
    target: str | None = None,
    oob: Iterable[str] = (),
    status: int = 200,
) -> HttpResponse:
    """`template` as a page, or its partial `fragment` ("page.html#fragment", django-template-partials) to htmx.

    target: answer the fragment only to htmx requests aimed at that element id (others get the page).
    oob: further partials appended to the fragment, rendered with `oob=True` in the context so that the partial
    can add `hx-swap-oob` (fields outside the swapped element that follow the answer).
    """
    as_fragment = wants_fragment(request, target=target)
    if not as_fragment:
        html = get_template(template).render(context, request)
    else:
        html = get_template(f"{template}#{fragment}").render(context, request)
        for name in oob:
            html += get_template(f"{template}#{name}").render({**context, "oob": True}, request)
    response = HttpResponse(html, status=status)
    return patch_page_or_fragment_headers(response, fragment=as_fragment, target=target)
