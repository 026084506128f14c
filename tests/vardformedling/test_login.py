import time

import pytest
from django.contrib.sessions.models import Session

from vardformedling.middleware import SESSION_STARTED
from vardformedling.models import Roll

pytestmark = pytest.mark.django_db


def test_login_page_lists_the_demo_identities_as_siths_cards(client, demo_identities):
    response = client.get("/login/")
    body = response.content.decode()
    assert response.status_code == 200
    for hsa_id in [
        "SE2321000180-VL01",
        "SE2321000057-KO01",
        "SE2321000016-AD01",
        "SE5560000001-MO01",
        "SE2321000206-VL02",
    ]:
        assert hsa_id in body
    assert "Mona Mottagare" in body


def test_post_with_a_known_hsa_id_signs_in_and_redirects_to_start(client, demo_identities):
    response = client.post("/login/", {"hsa_id": "SE2321000180-VL01"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"].hsa_id == "SE2321000180-VL01"


def test_login_follows_a_local_next_but_not_a_foreign_one(client, demo_identities):
    assert client.post("/login/", {"hsa_id": "SE2321000180-VL01", "next": "/avtal/"})["Location"] == "/avtal/"
    client.logout()
    response = client.post("/login/", {"hsa_id": "SE2321000180-VL01", "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("next_url", ["abc", "logout", "//evil.example/x", "javascript:alert(1)"])
def test_a_next_that_is_not_a_path_on_this_site_goes_to_the_start_page(client, demo_identities, next_url):
    response = client.post("/login/", {"hsa_id": "SE2321000180-VL01", "next": next_url})
    assert response.status_code == 302 and response["Location"] == "/"


def test_unknown_hsa_id_shows_the_login_page_again_and_signs_nobody_in(client, demo_identities):
    response = client.post("/login/", {"hsa_id": "SE0000000000-NOPE"})
    assert response.status_code == 400
    assert "okänt eller spärrat HSA-id" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_requires_the_csrf_token(demo_identities):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/login/", {"hsa_id": "SE2321000180-VL01"}).status_code == 403


def test_anonymous_user_is_sent_to_login_with_next(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_logout_ends_the_session_on_the_server(client, demo_identities):
    client.post("/login/", {"hsa_id": "SE2321000180-VL01"})
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    response = client.post("/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/").status_code == 302


def test_logout_refuses_get(client, demo_identities):
    client.post("/login/", {"hsa_id": "SE2321000180-VL01"})
    assert client.get("/logout/").status_code == 405


def test_repeated_failed_logins_are_throttled(client, demo_identities):
    for _ in range(5):
        client.post("/login/", {"hsa_id": "SE2321000180-VL01X"})
    response = client.post("/login/", {"hsa_id": "SE2321000180-VL01X"})
    assert response.status_code == 429
    assert "tillfälligt spärrad" in response.content.decode()


def test_sessions_expire_after_30_minutes_idle(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_sessions_end_10_hours_after_sign_in_however_active(client, demo_identities):
    client.post("/login/", {"hsa_id": "SE2321000180-VL01"})
    assert client.get("/").status_code == 200
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - 10 * 3600 - 5
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_active_commission_is_shown_and_can_be_switched(client, demo_identities):
    client.post("/login/", {"hsa_id": "SE2321000057-KO01"})
    page = client.get("/").content.decode()
    assert "Koordinator – Region Jönköpings län" in page
    karin = client.get("/").context["user"]
    lots = karin.uppdrag.get(roll=Roll.VARDLOTS)
    client.post("/uppdrag/byt/", {"uppdrag": lots.pk, "next": "/"})
    response = client.get("/")
    assert response.context["request"].uppdrag.pk == lots.pk
    assert not response.context["user"].has_perm("arenden.tilldela")


def test_switching_to_someone_elses_commission_is_refused(client, demo_identities, user_with):
    other = user_with(Roll.KOORDINATOR, "01")
    client.post("/login/", {"hsa_id": "SE2321000180-VL01"})
    client.post("/uppdrag/byt/", {"uppdrag": other.uppdrag.get().pk})
    assert client.get("/").context["request"].uppdrag.roll == Roll.VARDLOTS
