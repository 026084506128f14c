"""Shared pieces of the HTTP robustness tests: settings, random values, and the checks every answer must pass.

Every answer must be one of the expected status codes (the Django test client re-raises a view's exception, so a
500 fails the example with its traceback). A rejected form (400, 409, 422, 429) must show at least one message and
every message shown must be Swedish. A rejected POST must not change the tables it would write.
"""

import re
from datetime import date
from html.parser import HTMLParser

from django import forms
from django.contrib.messages import get_messages
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.robustness.strategies import english_in

HYP = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: a CI failure can be reproduced
)
FEW = settings(HYP, max_examples=12)  # for the per-view sweeps of query parameters, so the folder stays fast

# Status codes of a handled answer; 500 never is.
OK = (200, 302, 400, 403, 404, 405, 409, 422, 429)
REJECTED = (400, 409, 422, 429)

# Values a user (or a mangled bookmark) may send: empty, huge, negative, wrong type, odd Unicode, NUL, dates and
# numbers at the edges of what Python, PostgreSQL and the models can hold.
NASTY = [
    "",
    " ",
    "0",
    "-1",
    "9" * 30,
    "9" * 5000,  # int() refuses more than 4,300 digits
    "1e9",
    "1e308",
    "-0",
    "0.001",
    "12345678901.99",
    "NaN",
    "Infinity",
    "²",
    "١٢",  # Arabic-Indic digits: isdigit() is True, and int() even accepts them
    "abc",
    "2026-02-30",
    "31/12/2026",
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    "ja",
    "nej",
    "on",
    "CJE",
    "20",
    "00",
    "<script>",
    "' OR 1=1 --",
    "Ö" * 500,
    "x" * 3000,
    "\x00",
    "%00",
    "SE2321000180-FALU01",
    "2026-01-01",
]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))

# Tried in every GET parameter and every form field, each one (not by chance): path-like values and a very long
# one. Issue 22: "/" in `?uppgift=` reached a URL reversal (NoReverseMatch, a 500) and a 100,000-character HSA-id
# reached an `iexact` lookup before the length check ("LIKE or GLOB pattern too complex" on SQLite).
SONDER = ["/", "a/b", "../..", "x" * 100_000]


def form_data(fields, values=VALUES):
    """Any subset of `fields`, each with a random value."""
    return st.fixed_dictionaries({}, optional=dict.fromkeys(fields, values))


def counts(*models) -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in models}


# --- Messages shown on a page ---------------------------------------------------------------------------------

MESSAGE_CLASSES = re.compile(r"(^|\s)(errorlist|alert|message--error|message--warning)(\s|$)")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Messages(HTMLParser):
    """Collects the text of every visible error list item, alert and error/warning message on a page. Text inside
    a closed <details> (other than its summary) or a `hidden` element is not visible until the user opens it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # open elements: (tag, hidden, hides its content)
        self.open: list[tuple[int, str, list[str]]] = []  # (stack position, kind, text parts) of open messages
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        a = dict(attrs)
        cls = a.get("class") or ""
        _parent, parent_hidden, closed = self.stack[-1] if self.stack else ("", False, False)
        hidden = parent_hidden or "hidden" in a or (closed and tag != "summary")
        in_errorlist = bool(self.open) and self.open[-1][1] == "errorlist"
        self.stack.append((tag, hidden, tag == "details" and "open" not in a))
        if hidden:
            return
        if "errorlist" in cls.split() and tag in ("ul", "ol"):  # Django's list; a <p class="errorlist"> is one message
            self.open.append((len(self.stack), "errorlist", []))
        elif MESSAGE_CLASSES.search(cls) or (tag == "li" and in_errorlist):
            self.open.append((len(self.stack), "message", []))

    def handle_endtag(self, tag):
        if tag not in {t for t, _h, _c in self.stack}:
            return
        while self.stack and self.stack.pop()[0] != tag:  # closes inner elements left unclosed too
            pass
        while self.open and self.open[-1][0] > len(self.stack):
            _pos, kind, parts = self.open.pop()
            text = " ".join(" ".join(parts).split())
            if kind == "message" and text:
                self.found.append(text)

    def handle_data(self, data):
        for _pos, kind, parts in self.open:
            if kind == "message":
                parts.append(data)


def page_messages(content: bytes | str) -> list[str]:
    """The error list items, alerts and error/warning messages a page shows, as text."""
    parser = _Messages()
    parser.feed(content.decode() if isinstance(content, bytes) else content)
    parser.close()
    return parser.found


# Swedish words that (nearly) every message of the portal contains; English texts contain none of them.
SVENSKA = re.compile(
    r"[åäöÅÄÖ]|\b(och|att|inte|ett|en|ej|eller|som|om|det|den|ska|kan|har|var|finns|saknas|ange|välj|rätta|fel|"
    r"fältet|filen|rad|kolumn|högst|minst|okänd|ogiltig\w*|giltig\w*|uppdraget|försök|ärendet|sidan|klar|tom|"
    r"till|av|med|vid|ingen|inga|alla|nya|sparad|listan|uppdatera|detta|denna|dessa|igen)\b",
    re.IGNORECASE,
)


def not_swedish(messages) -> list[str]:
    """The messages that read as English (parser or exception text) or contain no Swedish word at all."""
    return [m for m in messages if english_in([m]) or not SVENSKA.search(m)]


def flash_messages(response) -> list[str]:
    """Error and warning messages queued for the next page (django.contrib.messages) by a redirecting view."""
    request = getattr(response, "wsgi_request", None)
    if request is None or not hasattr(request, "_messages"):
        return []
    return [str(m) for m in get_messages(request) if m.level_tag in {"error", "warning"}]


def assert_handled(response, ok=OK) -> list[str]:
    """The answer is expected, never a 500; a rejection shows at least one message; every message is Swedish.

    Returns the messages found (page or queued for the next page)."""
    status = response.status_code
    assert status in ok, f"status {status}"
    content_type = response.get("Content-Type", "")
    messages: list[str] = []
    if status == 302:
        messages = flash_messages(response)
    elif "html" in content_type and not getattr(response, "streaming", False):
        messages = page_messages(response.content)
    elif content_type.startswith("text/plain") and status >= 400:
        messages = [response.content.decode().strip()]
    elif content_type.startswith("application/json") and status >= 400:  # the API: {"detail": "…"}
        messages = [str(response.json().get("detail") or "")]
    if status in REJECTED:
        assert messages, f"a rejected request ({status}) shows no message"
    assert not not_swedish(messages), messages
    return messages


def edge_dates() -> list[str]:
    today = date.today()
    return [today.isoformat(), date(today.year + 1, 1, 1).isoformat(), "0001-01-01", "9999-12-31", "2000-02-29"]


# --- Random submissions of a form class -----------------------------------------------------------------------


def goda_varden(field: forms.Field) -> list[str]:
    """Values the field accepts (first: the one a valid submission uses), from the field's own type and choices."""
    if isinstance(field, forms.ModelChoiceField):
        return [str(pk) for pk in field.queryset.values_list("pk", flat=True)[:5]]
    if isinstance(field, forms.ChoiceField):
        return [str(k) for k, _ in field.choices if k != ""]
    if isinstance(field, forms.DateField):
        return edge_dates()
    if isinstance(field, forms.TimeField):
        return ["23:59", "00:00", "12:30"]
    if isinstance(field, forms.DecimalField):
        return ["9500", "0", "0.5", "9999999999.99", "1e11", "10000000000"]
    if isinstance(field, forms.IntegerField):
        return ["1", "3", "2147483648"]
    if isinstance(field, forms.BooleanField):
        return ["on", ""]
    return ["Patienten informerad per telefon."]


def falt_strategi(field: forms.Field):
    """Random values for one field: accepted ones and nasty ones; a list for a multiple choice."""
    varden = st.one_of(st.sampled_from(goda_varden(field) or [""]), VALUES)
    if isinstance(field, forms.MultipleChoiceField):
        return st.lists(varden, max_size=3)
    return varden


def form_falt(form: forms.Form, *, utom=()) -> dict:
    """{posted name: strategy} for every field of the form (with its prefix), so a new field is covered too."""
    return {form.add_prefix(name): falt_strategi(field) for name, field in form.fields.items() if name not in utom}


def giltig(form: forms.Form, *, utom=()) -> dict:
    """A submission every field of which holds its first accepted value."""
    data = {}
    for name, field in form.fields.items():
        if name not in utom:
            first = (goda_varden(field) or [""])[0]
            data[form.add_prefix(name)] = [first] if isinstance(field, forms.MultipleChoiceField) else first
    return data


@st.composite
def andrad(draw, valid: dict, fields: dict):
    """A valid submission with a few fields removed or given random values, so each change reaches the checks
    behind the form; or any subset of the fields with random values."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.fixed_dictionaries({}, optional=fields))
    data = dict(valid)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(fields)))
        if draw(st.integers(0, 4)) == 0:
            data.pop(name, None)
        else:
            data[name] = draw(fields[name])
    return data


def run_form(client, url: str, *, valid: dict, fields: dict, before_after, examples=(), ok=OK) -> set[int]:
    """Posts `valid`, `valid` changed as in each of `examples` (None removes a field), `valid` with each field in
    turn set to each of `SONDER`, and random changes of it, as HTMX or not. Every answer must pass
    `assert_handled`; after a 4xx `before_after()` must be unchanged. Each example runs in a savepoint that is
    rolled back, so all start from the same data. Returns the statuses seen."""
    seen: set[int] = set()

    def _post(data, htmx):
        with transaction.atomic():
            before = before_after()
            data = {k: v for k, v in data.items() if v is not None}
            response = client.post(url, data, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
            assert_handled(response, ok=ok)
            seen.add(response.status_code)
            if response.status_code >= 400:
                assert before_after() == before, f"a rejected POST ({response.status_code}) changed the database"
            transaction.set_rollback(True)

    run = given(data=andrad(valid, fields), htmx=st.booleans())(_post)
    sonder = [{name: varde} for name in sorted(fields) for varde in SONDER]
    for extra in reversed([{}, *examples, *sonder]):
        run = example(data={**valid, **extra}, htmx=False)(run)
    HYP(run)()
    return seen
