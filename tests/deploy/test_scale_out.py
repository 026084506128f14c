"""Scale-out (issue 21, point 4): two gunicorn instances started as the image starts them (Dockerfile CMD, the shared
gunicorn_conf.py) on one database, and a whole case journey whose requests alternate between them – sign in on one,
register, assess, search, offer, answer, transfer, confirm, each form fetched from one instance and posted to the
other. Nothing lives in a web process: sessions are in the database, the CSRF token is the same key's, and each
instance sees at once what the other wrote (README "Running at national scale")."""

import html
import itertools
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from tests.factories import VardenhetFactory, VardutbudFactory, make_user
from tests.processer import database_url, free_port
from vardformedling.models import Region, Roll

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_URL = re.compile(r"^/arenden/(VF-\d{4}-\d{2}-\d{6}-\d)/$")


def falt(sida: str, namn: str) -> str:
    """The value of the form field `namn` on the page (hidden inputs: version, offer)."""
    m = re.search(rf'name="{re.escape(namn)}"[^>]*value="([^"]*)"', sida) or re.search(
        rf'value="([^"]*)"[^>]*name="{re.escape(namn)}"', sida
    )
    assert m, f"the page has no field {namn}"
    return html.unescape(m.group(1))


class Webbprocess:
    """gunicorn as the Dockerfile's CMD starts it (gunicorn -c gunicorn_conf.py …), on a free port."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.bas = f"http://127.0.0.1:{self.port}"
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": "2", "GUNICORN_ACCESS_LOG": ""}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn_conf.py", "vardformedling.wsgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )

    def vanta(self) -> None:
        slut = time.monotonic() + 40
        while True:
            try:
                if requests.get(self.bas + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            assert self.proc.poll() is None, "gunicorn stopped"
            assert time.monotonic() < slut, "gunicorn did not answer /healthz"
            time.sleep(0.2)

    def stoppa(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


class Webblasare:
    """One person's browser: its cookies (passed by hand: they are Secure, and loopback is plain HTTP) and every
    request sent to the next instance in turn."""

    def __init__(self, instanser: list[Webbprocess]):
        self.cookies: dict[str, str] = {}
        self.tur = itertools.cycle(instanser)
        self.besokta: list[int] = []

    def _skicka(self, metod: str, url: str, **kw) -> requests.Response:
        instans = next(self.tur)
        self.besokta.append(instans.port)
        r = requests.request(metod, instans.bas + url, cookies=self.cookies, timeout=30, allow_redirects=False, **kw)
        self.cookies.update(r.cookies.get_dict())
        return r

    def get(self, url: str) -> str:
        r = self._skicka("GET", url)
        assert r.status_code == 200, (url, r.status_code, r.headers.get("Location"), r.text[:500])
        return r.text

    def post(self, url: str, data: dict, sida: str) -> str:
        """POSTs the form of `sida` (fetched from the other instance) with its CSRF token; returns where the
        successful form sends the browser (302)."""
        r = self._skicka("POST", url, data={"csrfmiddlewaretoken": CSRF.search(sida).group(1), **data})
        assert r.status_code == 302, (url, r.status_code, r.text[:2000])
        return r.headers["Location"]

    def logga_in(self, hsa_id: str) -> None:
        sida = self.get("/login/")
        assert self.post("/login/", {"hsa_id": hsa_id}, sida) == "/"
        assert "sessionid" in self.cookies


@pytest.mark.django_db(transaction=True)
def test_a_whole_case_journey_alternating_between_two_web_instances(tmp_path):
    from django.db import connection

    from arenden.models import Arende, Status
    from avtal.models import Avtal, Avtalsrad
    from katalog.models import KvaGrupp

    idag = timezone.localdate()
    enhet = VardenhetFactory(namn="Skalningskliniken Uppsala")
    VardutbudFactory(vardenhet=enhet)
    avtal = Avtal.objects.create(
        avtalsagare=Region.objects.get(kod="20"),
        avtal_id="SKALA-2026-1",
        vardgivare=enhet.vardgivare,
        avtalstyp="upphandlat",
        giltig_fran=idag - timedelta(days=100),
        giltig_till=idag + timedelta(days=300),
        far_nyttjas_av_alla=True,
    )
    rad = Avtalsrad.objects.create(avtal=avtal, kva=KvaGrupp.objects.get(kod="CJE"), pris_kr=9500, takvolym=20)
    lots = make_user(Roll.VARDLOTS, "20", namn="Lotta Lots")
    mottagare = make_user(Roll.MOTTAGARE, "03", enhet, namn="Mona Mottagare")

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vardformedling.settings_test",
        "DATABASE_URL": database_url(connection.settings_dict),
        "VAR_DIR": str(tmp_path),
    }
    instanser = [Webbprocess(env), Webbprocess(env)]
    try:
        for instans in instanser:
            instans.vanta()
        navigator = Webblasare(instanser)
        navigator.logga_in(lots.hsa_id)  # the form from one instance, the sign-in on the other

        # Register (step 1) and assess.
        sida = navigator.get("/arenden/nytt/")
        data = {
            "personnummer": "19121212-1212",
            "namn": "Tolvan Tolvansson",
            "kontaktvag": "telefon",
            "region": "20",
            "kva": "CJE",
            "beslutsdatum": (idag - timedelta(days=40)).isoformat(),
        }
        arende_url = navigator.post("/arenden/nytt/", data, sida)
        case_id = CASE_URL.match(arende_url).group(1)
        sida = navigator.get(arende_url)
        assert case_id in sida and "Tolvan Tolvansson" in sida, "the other instance reads the new case at once"
        data = {"bedom-version": falt(sida, "bedom-version"), "bedom-lamplig": "ja", "bedom-motivering": "Lämplig"}
        assert navigator.post(f"{arende_url}atgard/bedom/", data, sida) == arende_url

        # Search for a provider, then offer the unit found.
        sok = navigator.get("/katalog/sok/?q=CJE&kva=CJE&patientregion=20")
        assert enhet.namn in sok
        sida = navigator.get(f"{arende_url}erbjudanden/nytt/?vardenhet={enhet.hsa_id}&rad={rad.pk}")
        data = {
            "version": falt(sida, "version"),
            "vardenhet": enhet.hsa_id,
            "avtalsrad": rad.pk,
            "erbjudet_via": "telefon",
            "svarsfrist": (idag + timedelta(days=14)).isoformat(),
        }
        assert navigator.post(f"{arende_url}erbjudanden/nytt/", data, sida) == arende_url

        # The patient says yes; the referral is sent (transfer).
        sida = navigator.get(arende_url)
        data = {"svar-version": falt(sida, "svar-version"), "svar-svar": "ja", "erbjudande": falt(sida, "erbjudande")}
        assert navigator.post(f"{arende_url}atgard/svar/", data, sida) == arende_url
        sida = navigator.get(arende_url)
        data = {"overfor-version": falt(sida, "overfor-version"), "overfor-dokument": "remiss"}
        assert navigator.post(f"{arende_url}atgard/overfor/", data, sida) == arende_url

        # The receiving unit signs in (on the instance the navigator did not just use), opens the envelope in its
        # inbox, acknowledges it and confirms.
        enheten = Webblasare(instanser[::-1])
        enheten.logga_in(mottagare.hsa_id)
        remiss_url = re.search(r'href="(/arenden/inkorg/\d+/)"', enheten.get(arende_url)).group(1)
        sida = enheten.get(remiss_url)
        assert enheten.post(f"{remiss_url}kvittera/", {"kuvert": falt(sida, "kuvert")}, sida) == remiss_url
        sida = enheten.get(arende_url)
        data = {
            "bekrafta-version": falt(sida, "bekrafta-version"),
            "bekrafta-planerat_datum": (idag + timedelta(days=20)).isoformat(),
        }
        assert enheten.post(f"{arende_url}atgard/bekrafta/", data, sida) == arende_url
        sida = navigator.get(arende_url)  # the navigator sees the confirmation, on either instance
        assert case_id in sida

        for webblasare in (navigator, enheten):
            assert set(webblasare.besokta) == {i.port for i in instanser}, "every step alternated"
        assert Arende.objects.get(case_id=case_id).status == Status.BEKRAFTAD
        for instans in instanser:
            assert instans.proc.poll() is None
    finally:
        for instans in instanser:
            instans.stoppa()
