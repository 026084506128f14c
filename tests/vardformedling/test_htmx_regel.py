"""Issue #14 points 1 and 2: the one rule for htmx and 4xx (responseHandling in the base layout) and messages that
belong to the response that created them (HtmxMessagesMiddleware)."""

import json
import re

import pytest
from django.contrib import messages
from django.http import HttpResponse
from django.test import RequestFactory

from vardformedling.middleware import HtmxMessagesMiddleware
from vardformedling.models import Roll


def _config(html: str) -> dict:
    return json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']+)'", html).group(1))


@pytest.mark.django_db
def test_htmx_swaps_422_and_409_and_keeps_other_errors_as_errors(client_for):
    html = client_for(Roll.VARDLOTS).get("/").content.decode()
    regler = _config(html)["responseHandling"]

    def regel(kod: int) -> dict:
        return next(r for r in regler if re.fullmatch(r["code"], str(kod)))

    assert regel(422) == {"code": "422", "swap": True, "error": False}
    assert regel(409) == {"code": "409", "swap": True, "error": False}
    for kod in (400, 403, 404, 500, 503):
        assert regel(kod)["swap"] is False and regel(kod)["error"] is True
    assert regel(200)["swap"] is True and regel(204)["swap"] is False
    assert 'id="meddelanden"' in html and 'id="vf-arbetar"' in html and 'hx-indicator="#vf-arbetar"' in html


def _svar(request, status=200, text="<section id='arende'>ok</section>"):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request.session = {}
    request._messages = FallbackStorage(request)
    request.htmx = type("H", (), {"boosted": False, "__bool__": lambda self: True})()

    def view(req):
        messages.success(req, "Nytt meddelande")
        return HttpResponse(text, status=status)

    return HtmxMessagesMiddleware(view)(request)


@pytest.mark.parametrize("status", [200, 409, 422])
def test_an_htmx_action_sends_its_own_messages_out_of_band(rf: RequestFactory, status):
    html = _svar(rf.post("/x/"), status=status).content.decode()
    assert html.startswith("<section id='arende'>ok</section>")
    assert 'id="meddelanden"' in html and 'hx-swap-oob="true"' in html and "Nytt meddelande" in html


def test_an_htmx_action_without_messages_clears_the_old_ones(rf: RequestFactory):
    def view(req):
        return HttpResponse("<p>ok</p>")

    request = rf.post("/x/")
    from django.contrib.messages.storage.fallback import FallbackStorage

    request.session = {}
    request._messages = FallbackStorage(request)
    request.htmx = type("H", (), {"boosted": False, "__bool__": lambda self: True})()
    html = HtmxMessagesMiddleware(view)(request).content.decode()
    assert re.search(r'<div id="meddelanden"[^>]*hx-swap-oob="true"[^>]*></div>', html)


def test_errors_other_than_422_and_409_and_non_htmx_answers_are_left_alone(rf: RequestFactory):
    assert b"meddelanden" not in _svar(rf.post("/x/"), status=403).content
    request = rf.post("/x/")
    request.htmx = False
    assert HtmxMessagesMiddleware(lambda r: HttpResponse("<p>ok</p>"))(request).content == b"<p>ok</p>"
