"""An authorised attack on the patient's side (issue 18's new surfaces): sessions mixed with staff sign-in, OIDC
tokens tampered with, open redirects, CSRF, another patient's case or offer, markup in texts shown to patients,
the personnummer where it must not be, and patient reads missing from the access log. SECURITY.md lists them."""

import logging
import time
from datetime import timedelta
from urllib.parse import urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation
from django.test import Client, RequestFactory
from django.utils import timezone

from arenden.models import Arende, Atkomstlogg, Erbjudande
from arenden.patient import PATIENT_HSA
from katalog.models import KvaGrupp
from patient import inloggning, oidc
from patient.session import SESSION_PATIENT
from tests.patient.conftest import TOLVAN, patientklient

pytestmark = pytest.mark.django_db

PNR_FORMER = (TOLVAN.personnummer, TOLVAN.personnummer[2:], "19121212-1212", "121212-1212")


# --- Sessions: a patient's and a staff member's sign-in never share a session ----------------------------------


def test_a_staff_sign_in_ends_the_patient_session_in_that_browser(varld):
    """Finding: Django's login() keeps the session's data when nobody was signed in, so a staff sign-in in a browser
    where a patient was signed in carried the patient's sealed sign-in (keyed hashes, sealed identity) on in the
    staff member's session."""
    client = patientklient("tolvan")
    assert SESSION_PATIENT in client.session
    client.session.save()
    response = client.post("/login/", {"hsa_id": varld.lots.hsa_id}, secure=True)
    assert response.status_code == 302 and not response["Location"].startswith("/login/")
    assert SESSION_PATIENT not in client.session
    assert oidc.SESSION_OIDC not in client.session
    assert client.get("/arenden/", secure=True).status_code == 200
    # The staff member's session is no way back to the patient's pages, before or after signing out.
    assert client.get("/patient/", secure=True).status_code == 403
    client.post("/logout/", secure=True)
    assert client.get("/patient/", secure=True).status_code == 302


def test_a_started_patient_oidc_flow_does_not_survive_a_staff_sign_in(varld):
    client = Client()
    session = client.session
    session[oidc.SESSION_OIDC] = {"state": "s1", "nonce": "n1", "next": ""}
    session.save()
    client.post("/login/", {"hsa_id": varld.lots.hsa_id}, secure=True)
    assert oidc.SESSION_OIDC not in client.session


def test_the_session_cookie_is_only_a_key_and_the_session_row_holds_no_personnummer(varld, tolvan):
    from django.contrib.sessions.models import Session

    cookie = tolvan.cookies["sessionid"].value
    assert len(cookie) == 32 and cookie.isalnum()
    data = str(Session.objects.get(session_key=cookie).get_decoded())
    assert not any(p in data for p in PNR_FORMER) and TOLVAN.namn not in data


# --- OIDC: real signed tokens, tampered with ------------------------------------------------------------------


def _nyckel():
    privat = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    publik = privat.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return privat, publik.decode()


IDP, ANNAN = _nyckel(), _nyckel()


def _claims(**andrat):
    claims = {
        "iss": "https://idp.example.se",
        "aud": "vf-patient",
        "exp": int(time.time()) + 60,
        "iat": int(time.time()),
        "nonce": "n1",
        inloggning.CLAIM_PERSONNUMMER_STANDARD: TOLVAN.personnummer,
        "name": TOLVAN.namn,
    }
    claims.update(andrat)
    return {k: v for k, v in claims.items() if v is not None}


def _token(claims, *, nyckel=IDP[0], alg="RS256"):
    return jwt.encode(claims, nyckel, algorithm=alg)


@pytest.fixture
def idp(settings, monkeypatch):
    settings.PATIENT_OIDC_RP_CLIENT_ID = "vf-patient"
    settings.PATIENT_OIDC_RP_IDP_SIGN_KEY = IDP[1]
    settings.PATIENT_OIDC_RP_SIGN_ALGO = "RS256"
    settings.PATIENT_OIDC_OP_ISSUER = "https://idp.example.se"
    utfardat = {}
    monkeypatch.setattr(oidc.PatientOIDC, "get_token", lambda self, payload: {"id_token": utfardat["token"]})

    def logga_in_med(token, *, state="s1", session_state="s1"):
        utfardat["token"] = token
        client = Client()
        session = client.session
        session[oidc.SESSION_OIDC] = {"state": session_state, "nonce": "n1", "next": ""}
        session.save()
        request = RequestFactory().get("/patient/oidc/svar/", {"state": state, "code": "kod-1"}, secure=True)
        request.session = client.session
        return oidc.verifierade_claims(request)

    return logga_in_med


def test_a_genuine_token_signs_in(idp):
    claims = idp(_token(_claims()))
    assert inloggning.identitet_fran_claims(claims).personnummer == TOLVAN.personnummer


@pytest.mark.parametrize(
    "fall",
    [
        "annan_nyckel", "fel_nonce", "utan_nonce", "fel_aud", "utgangen", "utan_exp", "fel_iss", "utan_iss",
        "alg_none", "hs256_med_publika_nyckeln", "andrad_claim", "fel_state", "utan_state",
    ],
)  # fmt: skip
def test_a_tampered_token_or_callback_signs_nobody_in(idp, fall):
    token = {
        "annan_nyckel": lambda: _token(_claims(), nyckel=ANNAN[0]),
        "fel_nonce": lambda: _token(_claims(nonce="n2")),
        "utan_nonce": lambda: _token(_claims(nonce=None)),
        "fel_aud": lambda: _token(_claims(aud="annan-klient")),
        "utgangen": lambda: _token(_claims(exp=int(time.time()) - 5)),
        "utan_exp": lambda: _token(_claims(exp=None)),
        "fel_iss": lambda: _token(_claims(iss="https://annan-idp.example")),
        "utan_iss": lambda: _token(_claims(iss=None)),
        "alg_none": lambda: jwt.encode(_claims(), None, algorithm="none"),
        "hs256_med_publika_nyckeln": lambda: _hs256_med(IDP[1]),
        "andrad_claim": lambda: _byt_claim(_token(_claims())),
        "fel_state": lambda: _token(_claims()),
        "utan_state": lambda: _token(_claims()),
    }[fall]()
    kwargs = {"fel_state": {"state": "s2"}, "utan_state": {"state": "", "session_state": ""}}.get(fall, {})
    with pytest.raises(Exception) as fel:
        idp(token, **kwargs)
    assert isinstance(fel.value, SuspiciousOperation | jwt.InvalidTokenError), repr(fel.value)


def _hs256_med(publik_pem: str) -> str:
    import base64
    import hashlib
    import hmac
    import json

    def b64(b: bytes) -> str:
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

    huvud = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    kropp = b64(json.dumps(_claims()).encode())
    signatur = hmac.new(publik_pem.encode(), f"{huvud}.{kropp}".encode(), hashlib.sha256).digest()
    return f"{huvud}.{kropp}.{b64(signatur)}"


def _byt_claim(token: str) -> str:
    import base64
    import json

    huvud, kropp, signatur = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(kropp + "=" * (-len(kropp) % 4)))
    data[inloggning.CLAIM_PERSONNUMMER_STANDARD] = "191010101010"
    ny = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{huvud}.{ny}.{signatur}"


def test_without_the_issuer_setting_nobody_signs_in(idp, settings):
    settings.PATIENT_OIDC_OP_ISSUER = ""
    with pytest.raises(SuspiciousOperation):
        idp(_token(_claims(iss="")))
    with pytest.raises(SuspiciousOperation):
        idp(_token(_claims()))


def test_a_callback_cannot_be_replayed(idp, monkeypatch):
    token = _token(_claims())
    client = Client()
    session = client.session
    session[oidc.SESSION_OIDC] = {"state": "s1", "nonce": "n1", "next": ""}
    session.save()
    rf = RequestFactory()
    request = rf.get("/patient/oidc/svar/", {"state": "s1", "code": "kod-1"}, secure=True)
    request.session = client.session
    monkeypatch.setattr(oidc.PatientOIDC, "get_token", lambda self, payload: {"id_token": token})
    oidc.verifierade_claims(request)
    with pytest.raises(SuspiciousOperation):
        oidc.verifierade_claims(request)  # the state was used up with the first callback


# --- Open redirects after sign-in -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "nasta",
    [
        "https://evil.example/patient/", "//evil.example/patient/", "/\\evil.example/patient/",
        "\\\\evil.example/patient/", "/arenden/", "https:/evil.example/patient/", " //evil.example",
        "javascript:alert(1)//patient/", "/patient/\r\nLocation: https://evil.example",
    ],
)  # fmt: skip
def test_sign_in_goes_nowhere_but_a_patient_page_whatever_next_says(varld, nasta):
    for data, query in (({"next": nasta}, ""), ({}, f"?next={nasta}")):
        client = Client()
        response = client.post(f"/patient/logga-in/{query}", {"patient": "tolvan", **data}, secure=True)
        assert response.status_code == 302
        plats = urlsplit(response["Location"])  # a CR/LF stays percent-encoded in a path of the patient's pages
        assert not plats.scheme and not plats.netloc and plats.path.startswith("/patient/"), (nasta, plats)
        assert "\n" not in response["Location"] and "\r" not in response["Location"]
    response = client.post(f"/patient/logga-ut/?next={nasta}", {"next": nasta}, secure=True)
    assert response["Location"] == "/patient/logga-in/"


def test_a_patient_page_as_next_is_kept(varld):
    response = Client().post(
        "/patient/logga-in/", {"patient": "tolvan", "next": f"/patient/arenden/{varld.arende.case_id}/"}, secure=True
    )
    assert response["Location"] == f"/patient/arenden/{varld.arende.case_id}/"


# --- CSRF on every POST of the patient's side -------------------------------------------------------------------


def test_every_patient_post_needs_the_csrf_token(varld):
    """Over HTTPS with the site's own Referer, so only the missing token can be the reason for a refusal."""
    anonym = Client(enforce_csrf_checks=True, HTTP_REFERER="https://testserver/patient/")
    assert anonym.post("/patient/logga-in/", {"patient": "tolvan"}, secure=True).status_code == 403
    assert SESSION_PATIENT not in anonym.session
    client = Client(enforce_csrf_checks=True, HTTP_REFERER="https://testserver/patient/")
    client.get("/patient/logga-in/", secure=True)
    token = client.cookies["csrftoken"].value
    response = client.post("/patient/logga-in/", {"patient": "tolvan", "csrfmiddlewaretoken": token}, secure=True)
    assert response.status_code == 302
    token = client.cookies["csrftoken"].value
    e, antal_arenden = varld.erbjudanden[0], Arende.objects.count()
    posts = [
        (f"/patient/arenden/{varld.arende.case_id}/svar/", {"erbjudande": e.pk}),
        ("/patient/kontakta-mig/", {"region": "20", "kva": "CJE", "orsak": "annat"}),
        ("/patient/logga-ut/", {}),
    ]
    for url, data in posts:
        for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
            assert client.post(url, data, secure=True, **htmx).status_code == 403, url
    e.refresh_from_db()
    assert e.status == Erbjudande.Status.LAMNAT
    assert Arende.objects.count() == antal_arenden
    assert client.get("/patient/", secure=True).status_code == 200  # still signed in: the logout was refused too
    # htmx sends the token as a header: accepted.
    response = client.post(posts[0][0], posts[0][1], secure=True, HTTP_X_CSRFTOKEN=token, HTTP_HX_REQUEST="true")
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.status == Erbjudande.Status.ACCEPTERAT


# --- Another patient's case or offer ---------------------------------------------------------------------------


def test_an_offer_of_another_patients_case_cannot_be_answered_from_ones_own_case(varld, tolvan):
    annans = Erbjudande.objects.get(arende=varld.annat)
    url = f"/patient/arenden/{varld.arende.case_id}/svar/"
    response = tolvan.post(url, {"erbjudande": annans.pk}, secure=True)
    assert response.status_code == 422
    assert "Välj ett av erbjudandena på sidan." in response.content.decode()
    annans.refresh_from_db()
    assert annans.status == Erbjudande.Status.LAMNAT
    assert varld.arende.erbjudanden.filter(status=Erbjudande.Status.LAMNAT).count() == 2
    # The other patient's case by its own URL, with either patient's offer: not found, nothing answered.
    for pk in (annans.pk, varld.erbjudanden[0].pk):
        assert (
            tolvan.post(f"/patient/arenden/{varld.annat.case_id}/svar/", {"erbjudande": pk}, secure=True).status_code
            == 404
        )
        assert (
            tolvan.post(f"/patient/arenden/{varld.annat.case_id}/svar/", {"svar": "nej"}, secure=True).status_code
            == 404
        )
    annans.refresh_from_db()
    assert annans.status == Erbjudande.Status.LAMNAT
    assert not Atkomstlogg.objects.filter(hsa_id=PATIENT_HSA, case_id=varld.annat.case_id).exists()


def test_a_session_with_a_hash_moved_to_another_region_finds_nothing(varld, tolvan):
    """Tampering with the server-side session (as if it could be): Tolvan's region-20 hash put under region 06."""
    session = tolvan.session
    data = session[SESSION_PATIENT]
    data["hashar"] = {"06": data["hashar"]["20"]}
    session[SESSION_PATIENT] = data
    session.save()
    Arende.objects.filter(pk=varld.annat.pk).update(region_id="06", pnr_hash=data["hashar"]["06"])
    assert tolvan.get(f"/patient/arenden/{varld.arende.case_id}/", secure=True).status_code == 404


# --- Markup in texts shown to patients -------------------------------------------------------------------------

ELAKT = '<script>alert(1)</script><img src=x onerror="alert(2)">{{ 7|add:7 }}{% now "Y" %}'


def test_markup_in_unit_agreement_staff_and_region_texts_is_shown_escaped_to_the_patient(varld, tolvan):
    from vardformedling.models import Region

    e = varld.erbjudanden[0]
    e.vardenhet.namn = f"Enhet {ELAKT}"
    e.vardenhet.save()
    varld.lots.namn = f"Vera {ELAKT}"
    varld.lots.save()
    Arende.objects.filter(pk=varld.arende.pk).update(handlaggare=varld.lots)
    Region.objects.filter(kod="20").update(vardformedling_telefon="<script>alert(3)</script>")
    KvaGrupp.objects.filter(kod="CJE").update(benamning=f"Grå starr {ELAKT}"[:200], synonymer=f"starr {ELAKT}")
    for url in ("/patient/", f"/patient/arenden/{varld.arende.case_id}/"):
        page = tolvan.get(url, secure=True).content.decode()
        assert "<script>alert(" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert(1)" in page, url
        assert "{{ 7|add:7 }}{% now &quot;Y&quot; %}" in page, url  # shown as written, never evaluated


# --- Personnummer in logs, files, cookies during the patient's flow -------------------------------------------


def test_the_patients_flow_puts_no_personnummer_in_urls_logs_cookies_or_the_1177_outbox(varld, settings, caplog):
    caplog.set_level(logging.DEBUG)
    client = patientklient("tolvan")
    urls = ["/patient/", f"/patient/arenden/{varld.arende.case_id}/", "/patient/kontakta-mig/"]
    svar = [client.get(u, secure=True) for u in urls]
    svar.append(
        client.post(
            f"/patient/arenden/{varld.arende.case_id}/svar/", {"erbjudande": varld.erbjudanden[0].pk}, secure=True
        )
    )
    texter = [r["Location"] for r in svar if r.has_header("Location")]
    texter += [str(c) for c in client.cookies.values()]
    texter += [r.getMessage() for r in caplog.records]
    texter += [str(h) for r in svar for h in r.headers.items()]
    notiser = list(settings.INKORG_1177_OUTBOX.iterdir())  # the two digital offers' notifications
    assert notiser
    for f in notiser:
        texter += [f.name, f.read_text(encoding="utf-8")]
    texter += [f.name for f in settings.SDK_OUTBOX.iterdir()] if settings.SDK_OUTBOX.exists() else []
    text = "\n".join(texter)
    assert not any(p in text for p in PNR_FORMER)
    assert TOLVAN.namn not in text


# --- Every patient read is in the access log --------------------------------------------------------------------


def test_a_contact_request_answered_with_the_patients_open_case_is_logged(varld, tolvan):
    """Finding: asking for contact about care one already has an open case for named that case (ID and so its
    region) without an access-log row, unlike the staff's duplicate check (issue 22, attack 2)."""
    fore = Atkomstlogg.objects.count()
    beslut = (timezone.localdate() - timedelta(days=10)).isoformat()
    response = tolvan.post(
        "/patient/kontakta-mig/", {"region": "06", "kva": "CJE", "orsak": "annat", "beslutsdatum": beslut}, secure=True
    )
    assert response.status_code == 422
    assert varld.arende.case_id in response.content.decode()
    rader = Atkomstlogg.objects.order_by("id")[fore:]
    assert [(r.hsa_id, r.case_id, r.region_kod) for r in rader] == [(PATIENT_HSA, varld.arende.case_id, "20")]
    assert Arende.objects.count() == 2
