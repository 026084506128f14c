"""The start page's "next things to do" panels. Each app registers a provider here.

A provider is `f(request) -> dict | None` returning {"rubrik", "rader": [{"text", "url", "niva"}], "tom"}.
Apps register providers in their AppConfig.ready() (or module import) with `register`.
"""

from collections.abc import Callable

_PROVIDERS: list[tuple[int, Callable]] = []


def register(order: int):
    def decorator(func: Callable) -> Callable:
        _PROVIDERS.append((order, func))
        _PROVIDERS.sort(key=lambda p: p[0])
        return func

    return decorator


def panels_for(request) -> list[dict]:
    panels = []
    for _order, provider in _PROVIDERS:
        panel = provider(request)
        if panel:
            panels.append(panel)
    return panels
