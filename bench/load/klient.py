"""What every simulated browser of the realistic load profile does (bench/load/realistisk.py): GET and POST as a
browser does (no redirects followed, CSRF token and Origin, HTMX headers), sign in through the SITHS stub's form,
and read form fields. Any answer other than what a browser expects counts as a failure."""

import html
import re
from http.cookiejar import DefaultCookiePolicy

from locust import FastHttpUser

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_ID = re.compile(r"/arenden/(VF-\d{4}-\d{2}-\d{6}-\d)/")


AVSLAG = object()  # skicka(): the portal refused as it must (see `avslag`)


class LoopbackUtanTls(DefaultCookiePolicy):
    """Production cookies are Secure (TLS ends in the proxy in front of gunicorn); on plain loopback HTTP the
    client sends them all the same, as the browser does behind that proxy."""

    def return_ok_secure(self, cookie, request):
        return True


class Avvikelse(Exception):
    """A page answered 200 but without what a browser needs next (form token, version, case id): an error."""


def falt(html_text: str, namn: str) -> str | None:
    """The value of the form field `namn` (hidden inputs: version, offer id), or None."""
    m = re.search(rf'name="{re.escape(namn)}"[^>]*value="([^"]*)"', html_text) or re.search(
        rf'value="([^"]*)"[^>]*name="{re.escape(namn)}"', html_text
    )
    return html.unescape(m.group(1)) if m else None


def lankar(html_text: str, monster: str) -> list[str]:
    """Every href on the page matching the regular expression `monster` (unescaped)."""
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', html_text) if re.search(monster, html.unescape(h))]


class Webblasare(FastHttpUser):
    """A signed-in person's browser; subclasses say who (`person`) and what they do."""

    abstract = True
    person: dict

    def on_start(self):
        self.client.cookiejar.set_policy(LoopbackUtanTls())
        self.logga_in()

    def hamta(self, url: str, namn: str, *, htmx_mal: str | None = None) -> str:
        """GET as the browser does (no redirects followed: a redirect to the login page is a failure)."""
        headers = {"HX-Request": "true", "HX-Target": htmx_mal, "HX-Current-URL": self.host + url} if htmx_mal else {}
        with self.client.get(url, name=namn, headers=headers, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code} för {url}")
                return ""
            return r.text or ""

    def skicka(
        self,
        url: str,
        namn: str,
        data: dict,
        *,
        forvantat: int,
        htmx_mal: str | None = None,
        avslag: tuple[int, str, str] | None = None,
    ):
        """POSTs like the page's form; anything but `forvantat` is an error, except `avslag` = (status, text in the
        answer, label): a refusal the portal must give in that situation (e.g. an agreement's cap reached by
        another case between the offer and the patient's yes), counted under the request's name plus the label,
        not as an error, and returned as AVSLAG."""
        headers = {"Origin": self.host, "Referer": self.host + url}
        if htmx_mal:
            headers |= {"HX-Request": "true", "HX-Target": htmx_mal}
        with self.client.post(
            url, name=namn, data=data, headers=headers, allow_redirects=False, catch_response=True
        ) as r:
            if avslag and r.status_code == avslag[0] and avslag[1] in (r.text or ""):
                r.request_meta["name"] = f"{namn} → {avslag[0]} {avslag[2]}"
                r.success()
                return AVSLAG
            if r.status_code != forvantat:
                r.failure(f"HTTP {r.status_code} (väntade {forvantat}) för POST {url}: {(r.text or '')[:200]!r}")
                return None
            return r

    def token(self, sida: str, vad: str) -> str:
        m = CSRF.search(sida)
        if not m:
            raise Avvikelse(f"{vad} saknar CSRF-token")
        return m.group(1)

    def logga_in(self) -> None:
        """The login form: GET (CSRF cookie and token), POST the HSA-id, follow the redirect to the start page."""
        sida = self.hamta("/login/", "GET /login/")
        if not sida:
            return
        data = {"csrfmiddlewaretoken": self.token(sida, "inloggningen"), "hsa_id": self.person["hsa_id"], "next": "/"}
        if self.skicka("/login/", "POST /login/", data, forvantat=302) is not None:
            self.hamta("/", "GET startsida")
