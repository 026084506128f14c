"""Generated access-control checks: every route, visited as anonymous and as every role.

Rules checked for each URL pattern of the portal:
- anonymous users are sent to the login page (except the public login, logout and health check);
- a role without the view's permission (from the `rules` matrix) gets 403, never the page;
- nothing answers 500, whatever the role or the (unknown) key in the URL;
- no view is exempt from CSRF, and a POST without the token is refused.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import VardenhetFactory, make_user
from vardformedling.models import Roll
from vardformedling.rules import MATRIX

PUBLIC = {"/login/", "/logout/", "/healthz"}
ROLES = [Roll.VARDLOTS, Roll.KOORDINATOR, Roll.ADMINISTRATOR, Roll.MOTTAGARE]
# Values for path converters: plausible but unknown keys, so the check also covers "not found" paths.
SAMPLE = {"hsa_id": "SE0000000000-OKAND", "case_id": "VF-2026-20-000001-7", "avtal_id": "OKANT-1"}


def _routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            if "oidc" in str(p.pattern):
                continue
            yield from _routes(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def _concrete(pattern: str) -> str:
    def fill(m):
        name = m.group(2)
        return SAMPLE.get(name, "1" if m.group(1) == "int" else "okand")

    path = re.sub(r"<(?:(\w+):)?(\w+)>", fill, pattern)
    return "/" + path.lstrip("^").rstrip("$")


ROUTES = sorted({(_concrete(p), cb) for p, cb in _routes()}, key=lambda r: r[0])
IDS = [r[0] for r in ROUTES]


def _perm(callback) -> str | None:
    while callback is not None:
        perm = getattr(callback, "required_perm", None)
        if perm:
            return perm
        callback = getattr(callback, "__wrapped__", None)
    return None


def _visit(client, url):
    """GET the page; a POST-only endpoint (405 on GET) is exercised with an empty POST instead."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "callback"), ROUTES, ids=IDS)
def test_anonymous_users_are_sent_to_login(client, url, callback):
    if url in PUBLIC:
        return
    response = _visit(client, url)
    assert response.status_code == 302, url
    assert response["Location"].startswith("/login/?next="), url


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "callback"), ROUTES, ids=IDS)
def test_every_role_gets_its_right_and_nothing_fails(url, callback):
    perm = _perm(callback)
    for role in ROLES:
        enhet = VardenhetFactory() if role == Roll.MOTTAGARE else None
        user = make_user(role, None if role == Roll.ADMINISTRATOR else "20", enhet)
        client = Client()
        client.force_login(user, backend="vardformedling.auth.SithsStubBackend")
        response = _visit(client, url)
        assert response.status_code < 500, f"{url} as {role}: {response.status_code}"
        if perm and role not in MATRIX[perm][1]:
            assert response.status_code == 403, f"{url} as {role} without {perm}: {response.status_code}"


@pytest.mark.parametrize(("url", "callback"), ROUTES, ids=IDS)
def test_no_view_is_exempt_from_csrf(url, callback):
    assert not getattr(callback, "csrf_exempt", False), url


def test_every_non_public_view_declares_its_permission():
    """A view without a matrix permission would be reachable by any signed-in role."""
    missing = [url for url, cb in ROUTES if url not in PUBLIC | {"/", "/uppdrag/byt/"} and not _perm(cb)]
    assert missing == []


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "callback"), ROUTES, ids=IDS)
def test_a_post_without_csrf_token_is_refused(url, callback):
    client = Client(enforce_csrf_checks=True)
    user = make_user(Roll.KOORDINATOR, "20")
    client.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    response = client.post(url, {"x": "1"})
    assert response.status_code in (403, 405), f"{url}: {response.status_code}"
