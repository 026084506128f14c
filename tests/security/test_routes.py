"""Generated access-control checks: every route of the URL resolver, with real objects, as every role.

Each route is classified below (`ROUTES`): the roles the permission matrix lets in, the answer an allowed user
gets, which objects its URL names and whether it shows patient data. A route that is not classified fails
`test_every_route_is_classified`, so a new route is covered as soon as it exists. For every route, as
region 20's navigator and coordinator, an administrator and receiving unit A, on objects they own and on objects of
region 06 / unit B / another user, with GET and POST, as a plain and as an HTMX request:

- a role outside the route's roles gets 403; an allowed role never gets 403 and gets the route's own answer;
- an object of another region or unit answers 404, and nothing of it (name, personnummer, case ID) is shown;
- every response carries the security headers and the strict CSP, and HTML has no inline script or style;
- a response showing patient data writes an access-log row for the case with the user's HSA-id; nothing else
  writes one; the personnummer appears only on the case page itself, never in other responses, headers, the
  access log or the application log;
- objects of others are left unchanged.
"""

import json
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape

from arenden.atgarder import ATGARDER
from arenden.models import Atkomstlogg, Erbjudande, Meddelandetyp, PatientMeddelande
from tests.factories import make_user
from tests.security.conftest import ROLES, A, K, M, V, pnr_forms
from vardformedling.models import Roll

ALL = frozenset(ROLES)
LOTSAR = frozenset({V, K})
CASE_ROLES = frozenset({V, K, M})
PUBLIC = {"login", "logout", "healthz", "favicon", "patient:logga_in", "patient:logga_ut"}
# Signed-in pages every commission may open, with no matrix permission: the start page, switching commission, help.
ALLA_INLOGGADE = {"start", "byt_uppdrag", "hjalp"}

# Which roles hold each permission a step action may require (README's permission matrix). The step actions come
# from their registry (arenden/atgarder.py), each with its permission, so a new action is visited as every role
# without editing this file; a new permission fails here until its roles are stated.
ROLES_WITH = {
    "arenden.registrera": LOTSAR,
    "arenden.tilldela": frozenset({K}),
    "arenden.mottagning": frozenset({M}),
    "arenden.patientmallar": frozenset({K}),
}
ACTION_ROLES = {namn: ROLES_WITH[atgard.behorighet] for namn, atgard in ATGARDER.items()}


INGEN_TOKEN = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Route:
    """How a route answers. `get`/`post`: the status an allowed user gets for its own object (405: the route
    refuses the method); `htmx_post`: when an HTMX POST answers differently. `objects`: what the URL names (see
    `_objects`). `also`: roles a second check inside the view requires (step actions, notes). `patient`: "pnr" –
    the case page, which shows the personnummer; "read" – shows patient data without it; "" – no patient data."""

    roles: frozenset
    get: int = 405
    post: int = 405
    htmx_post: int | None = None
    objects: str = ""
    kwargs: dict = field(default_factory=dict)
    also: frozenset = ALL
    patient: str = ""
    query: str = ""


ROUTES: dict[str, Route] = {
    "start": Route(ALL, get=200, patient="read"),
    "login": Route(ALL, get=200, post=302, objects="own_hsa_id"),
    "logout": Route(ALL, post=302),
    "byt_uppdrag": Route(ALL, post=302),
    "healthz": Route(ALL, get=200),
    "favicon": Route(ALL, get=301),  # a permanent redirect to the static icon
    "hjalp": Route(ALL, get=200),
    "katalog:sok": Route(frozenset({V, K, A}), get=200),
    "katalog:enhet": Route(frozenset({V, K, A}), get=200, objects="unit"),
    "katalog:kapacitet": Route(ALL, get=200),
    "katalog:kapacitet_ny": Route(ALL, get=200, post=400),
    "katalog:kapacitet_aterkalla": Route(ALL, post=302, objects="annons"),
    "katalog:import": Route(frozenset({A}), get=200, post=422),
    "katalog:kva_namnge": Route(frozenset({A}), get=200, post=422),
    "katalog:import_visa": Route(frozenset({A}), get=200, objects="katalog_upload"),
    "katalog:import_bekrafta": Route(frozenset({A}), post=422, objects="katalog_upload"),
    "katalog:import_avbryt": Route(frozenset({A}), post=302, objects="katalog_upload"),
    "lagesbild:tabell": Route(ALL, get=200),
    "lagesbild:kva_forslag": Route(ALL, get=200),
    "lagesbild:enhet": Route(ALL, get=200, objects="unit"),
    "lagesbild:vantetider": Route(ALL, get=200),
    "lagesbild:importer": Route(frozenset({A}), get=200),
    "lagesbild:ladda_upp": Route(frozenset({A}), post=422),
    "lagesbild:kor_inkorgen": Route(frozenset({A}), post=302, htmx_post=200),
    "lagesbild:uppgift_status": Route(frozenset({A}), get=200, objects="task"),
    "avtal:lista": Route(ALL, get=200),
    "avtal:uppladdning": Route(frozenset({A}), get=200, post=422),
    "avtal:uppladdning_visa": Route(frozenset({A}), get=200, objects="upload"),
    "avtal:uppladdning_bekrafta": Route(frozenset({A}), post=302, objects="upload"),
    "avtal:uppladdning_avbryt": Route(frozenset({A}), post=302, objects="upload"),
    "avtal:detalj": Route(ALL, get=200, objects="avtal"),
    "avtal:volym_rapportera": Route(frozenset({K, M}), post=422, objects="avtal_eget"),
    "avtal:samverkan": Route(frozenset({K}), post=422, objects="avtalsrad_egen"),
    "avtal:volym_uppladdning": Route(frozenset({K, M}), get=200, post=422),
    "avtal:volym_uppladdning_bekrafta": Route(frozenset({K, M}), post=422),
    "notiser": Route(ALL, get=200),
    "notiser_last": Route(ALL, post=302),
    # POST: the search by personnummer (the number in the body, never in a URL); posted without one, 422 and the list.
    "arenden:lista": Route(CASE_ROLES, get=200, post=422, patient="read", query="?flik=region"),
    "arenden:nytt": Route(LOTSAR, get=200, post=422),
    "arenden:logg": Route(frozenset({K}), get=200),
    "arenden:arende": Route(CASE_ROLES, get=200, objects="case", patient="pnr"),
    **{
        f"arenden:atgard/{namn}": Route(
            CASE_ROLES, post=422, objects="case", kwargs={"namn": namn}, also=roles, patient="pnr"
        )
        for namn, roles in ACTION_ROLES.items()
    },
    # An unknown action is 404 before the case is looked up.
    "arenden:atgard/okand": Route(CASE_ROLES, post=404, objects="case", kwargs={"namn": "okand"}),
    "arenden:anteckning": Route(CASE_ROLES, post=422, objects="case", also=LOTSAR, patient="pnr"),
    "arenden:erbjudande_nytt": Route(LOTSAR, get=200, post=422, objects="case", patient="read"),
    "arenden:brev": Route(LOTSAR, get=200, objects="offer", patient="read"),
    # Issue 18: a message to the patient, printable (a receiving unit: confirmations only); the region's texts.
    "arenden:patientmeddelande": Route(CASE_ROLES, get=200, objects="meddelande", patient="read"),
    "arenden:patientmallar": Route(frozenset({K}), get=200, post=422),
    # Issue 17: waiting lists (coordinators; names come from sealed identity, the log row names no case), the bulk
    # proposal (navigators and coordinators; without a group it shows no case). An unknown upload token redirects.
    "arenden:vantelista": Route(frozenset({K}), get=200, post=422),
    "arenden:vantelista_arenden": Route(frozenset({K}), post=422),
    "arenden:vantelista_forhandsvisning": Route(frozenset({K}), get=302, kwargs={"token": INGEN_TOKEN}),
    "arenden:vantelista_bekrafta": Route(frozenset({K}), post=302, kwargs={"token": INGEN_TOKEN}),
    "katalog:fordelning": Route(LOTSAR, get=200),
    "katalog:fordelning_skicka": Route(LOTSAR, post=422),
    "arenden:faktura_ny": Route(frozenset({M}), post=422, objects="case", patient="pnr"),
    "arenden:faktura_beslut": Route(frozenset({K}), post=422, objects="case", patient="pnr"),
    # Case IDs and amounts only (no name, no personnummer): no access-log row, like the aggregated follow-up.
    "arenden:avvikelse": Route(CASE_ROLES, post=422, objects="case", patient="pnr"),
    "arenden:avrakning": Route(frozenset({K, M}), get=200),
    # Delivery plans: planners (K, A) write; the receiving unit reads its inflow and gets 403 on the writes.
    "leveransplan:lista": Route(frozenset({K, A, M}), get=200),
    "leveransplan:ny": Route(frozenset({K, A, M}), post=422, also=frozenset({K, A})),
    "leveransplan:uppladdning": Route(frozenset({K, A, M}), get=200, post=422, also=frozenset({K, A})),
    "leveransplan:uppladdning_bekrafta": Route(frozenset({K, A, M}), post=422, also=frozenset({K, A})),
    # Issue 16: the receiving unit's inbox lists case IDs and routing metadata only (no access-log row); an
    # envelope opened shows the identity from the unit's copy (logged); a receipt POST without the shown envelope's
    # hash is 422.
    "arenden:inkorg": Route(frozenset({M}), get=200),
    "arenden:remiss": Route(frozenset({M}), get=200, objects="overforing", patient="pnr"),
    "arenden:remiss_kvittera": Route(frozenset({M}), post=422, objects="overforing", patient="pnr"),
    "uppfoljning:sida": Route(frozenset({K, A}), get=200),
    "uppfoljning:rapport": Route(frozenset({K, A}), get=200, objects="rapport"),
    # Issue 18: the patient's own pages. No staff role may use them (403: a patient session is not a staff one);
    # the patient's side – own cases only, 404 otherwise, CSRF – is tests/patient/test_patient.py. The patient
    # sign-in and sign-out are public like the SITHS stub's.
    "patient:logga_in": Route(ALL, get=200, post=400),
    "patient:logga_ut": Route(ALL, post=302),
    "patient:start": Route(frozenset(), get=200),
    "patient:kontakt": Route(frozenset(), get=200, post=422),
    "patient:arende": Route(frozenset(), get=200, objects="case"),
    "patient:svara": Route(frozenset(), post=422, objects="case"),
}


@dataclass
class Obj:
    label: str
    kwargs: dict
    sees: frozenset  # roles that may reach this object (the others get 404)
    data: dict = field(default_factory=dict)
    case: object = None  # the case whose page the URL names


def case_roles(world, arende) -> frozenset:
    """PDL, as the design states it: navigators and coordinators see their own region's cases, a receiving unit
    the cases referred to it, administrators none."""
    roles = LOTSAR if arende.region_id == "20" else frozenset()
    return roles | {M} if arende.pk == world.case.pk else roles


def _objects(kind: str, world, role: str) -> list[Obj]:
    """The objects a route is visited with: the role's own (or a shared one) and, where a boundary exists, one
    of region 06, unit B or another user."""
    if kind == "case":
        labels = ("region 20:s ärende hos enhet A", "region 20:s ärende i steg 2", "region 06:s ärende")
        offers = (world.offer, world.offer_pending, world.offer_other)
        return [
            Obj(label, {"case_id": c.case_id}, case_roles(world, c), {"erbjudande": o.pk}, case=c)
            for label, c, o in zip(labels, world.cases, offers, strict=True)
        ]
    if kind == "offer":
        labels = ("region 20:s erbjudande", "region 20:s obesvarade erbjudande", "region 06:s erbjudande")
        offers = (world.offer, world.offer_pending, world.offer_other)
        return [
            Obj(label, {"case_id": c.case_id, "pk": o.pk}, case_roles(world, c), case=c)
            for label, c, o in zip(labels, world.cases, offers, strict=True)
        ] + [
            # Region 06's offer under region 20's case ID: the offer must belong to the case in the URL.
            Obj("annat ärendes erbjudande", {"case_id": world.case.case_id, "pk": world.offer_other.pk}, frozenset())
        ]
    if kind == "overforing":  # unit A's envelope (region 20's case), and unit B's (region 06's case)
        return [
            Obj("enhet A:s remiss", {"pk": world.case.overforingar.get().pk}, frozenset({M}), case=world.case),
            Obj("enhet B:s remiss", {"pk": world.case_other.overforingar.get().pk}, frozenset(), case=world.case_other),
        ]
    if kind == "meddelande":
        labels = ("region 20:s bekräftelse hos enhet A", "region 20:s bekräftelse i steg 2", "region 06:s bekräftelse")
        meddelanden = [
            PatientMeddelande.objects.get_or_create(
                arende=c, typ=Meddelandetyp.REMISSBEKRAFTELSE, defaults={"rubrik": "Remissbekräftelse", "text_html": ""}
            )[0]
            for c in world.cases
        ]
        return [
            Obj(label, {"case_id": c.case_id, "pk": m.pk}, case_roles(world, c), case=c)
            for label, c, m in zip(labels, world.cases, meddelanden, strict=True)
        ] + [Obj("annat ärendes meddelande", {"case_id": world.case.case_id, "pk": meddelanden[2].pk}, frozenset())]
    if kind == "annons":
        return [
            Obj("egen annons", {"pk": world.annons[role].pk}, ALL),
            Obj("enhet B:s annons", {"pk": world.annons_other.pk}, frozenset()),
        ]
    if kind == "upload":  # administrators manage every upload (no patient data): another administrator's file
        return [Obj("annan administratörs uppladdning", {"pk": world.upload_other.pk}, frozenset({A}))]
    if kind == "katalog_upload":  # likewise for catalogue files
        return [Obj("annan administratörs katalogfil", {"pk": world.katalog_upload_other.pk}, frozenset({A}))]
    if kind == "rapport":  # a coordinator's own region; administrators have no region and get none
        return [
            Obj("region 20:s rapport", {"filnamn": world.rapport}, frozenset({K})),
            Obj("region 06:s rapport", {"filnamn": world.rapport_other}, frozenset()),
        ]
    if kind == "avtal":  # everyone who may see agreements sees every agreement
        return [Obj("region 06:s avtal", {"avtal_id": world.avtal_other.avtal_id}, ALL)]
    if kind == "avtal_eget":  # region 20's agreement, which covers unit A: its coordinator and unit A report volume
        return [Obj("region 20:s avtal", {"pk": world.avtal.pk}, frozenset({K, M}))]
    if kind == "avtalsrad_egen":  # a line of region 20's agreement: its coordinator keeps the cooperation terms
        return [Obj("region 20:s avtalsrad", {"pk": world.avtal.rader.first().pk}, frozenset({K}))]
    if kind == "unit":
        return [Obj("enhet A", {"hsa_id": world.unit.hsa_id}, ALL)]
    if kind == "task":
        return [Obj("okänd uppgift", {"task_id": "okand-uppgift"}, ALL)]
    if kind == "own_hsa_id":  # signing in again, as oneself
        return [Obj("", {}, ALL, {"hsa_id": world.users[role].hsa_id})]
    assert kind == "", kind
    return [Obj("", {}, ALL)]


def _resolver_names(resolver=None, namespace=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            if "oidc" in str(p.pattern):
                continue
            if str(p.pattern) == "api/v1/":  # token-authenticated, no session role: tests/api/test_api.py
                continue
            yield from _resolver_names(p, f"{p.namespace}:" if p.namespace else namespace)
        elif isinstance(p, URLPattern):
            yield namespace + p.name, p.callback


CALLBACKS = dict(_resolver_names())


def _url(route_id: str, obj: Obj) -> str:
    route = ROUTES[route_id]
    return reverse(route_id.split("/")[0], kwargs={**route.kwargs, **obj.kwargs}) + route.query


def _expected(route: Route, role: str, obj: Obj, method: str, htmx: bool) -> set[int]:
    wanted = route.get if method == "get" else route.post
    if method == "post" and htmx and route.htmx_post is not None:
        wanted = route.htmx_post
    if wanted == 405:  # the method check may come before or after the permission check
        return {405} if role in route.roles else {403, 405}
    if role not in route.roles:
        return {403}
    if role not in obj.sees:
        return {404}
    if role not in route.also:
        return {403}
    if method == "post" and not _action_possible(route, obj):
        return {409}
    return {wanted}


def _action_possible(route: Route, obj: Obj) -> bool:
    """Whether the case page offers this step action's form now (legal state, offer still open); a POST of an
    action it doesn't offer answers 409 with the reason instead of a form error nobody can see."""
    namn = route.kwargs.get("namn")
    if namn not in ACTION_ROLES:
        return True
    obj.case.refresh_from_db()
    atgard = ATGARDER[namn]
    if obj.case.status not in atgard.statusar or atgard.vantar(obj.case):  # e.g. confirming before the receipt
        return False
    if atgard.per_erbjudande:
        return atgard.galler(obj.case, Erbjudande.objects.get(pk=obj.data["erbjudande"]))
    return True


# --- Rules checked on every response ----------------------------------------------------------------------

HSTS = f"max-age={settings.SECURE_HSTS_SECONDS}; includeSubDomains; preload"
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
HTMX_CONFIG = re.compile(r"<meta name=\"htmx-config\" content='([^']*)'>")


def _csp(response) -> dict[str, list[str]]:
    value = response.get("Content-Security-Policy", "")
    return {d.split()[0]: d.split()[1:] for d in value.split(";") if d.strip()}


def header_problems(response) -> list[str]:
    csp = _csp(response)
    problems = []
    script = csp.get("script-src", csp.get("default-src", []))
    if script != ["'self'"]:
        problems.append(f"script-src {script}")
    if csp.get("default-src") != ["'self'"] or csp.get("object-src") != ["'none'"]:
        problems.append(f"default-src/object-src {csp}")
    if any(v in csp.get("style-src", ["?"]) for v in ("'unsafe-inline'", "'unsafe-eval'", "?")):
        problems.append(f"style-src {csp.get('style-src')}")
    if csp.get("frame-ancestors") != ["'none'"] or response.get("X-Frame-Options") != "DENY":
        problems.append(f"framing: {csp.get('frame-ancestors')} / {response.get('X-Frame-Options')}")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Strict-Transport-Security": HSTS,
    }
    problems += [f"{h}: {response.get(h)!r}" for h, v in expected.items() if response.get(h) != v]
    return problems


def html_problems(body: str) -> list[str]:
    problems = []
    for name, attrs in TAG.findall(body):
        if name.lower() == "script" and not re.search(r"\s(src|nonce)=", attrs):
            problems.append("inline <script> utan src/nonce")
        if name.lower() == "style":
            problems.append("<style>-element")
        if re.search(r"\sstyle\s*=", attrs):
            problems.append(f"style-attribut på <{name}>")
        if re.search(r"\son[a-z]+\s*=", attrs):
            problems.append(f"händelseattribut på <{name}>")
    for form in re.findall(r"<form\b[^>]*method=\"post\".*?</form>", body, flags=re.S | re.I):
        if 'name="csrfmiddlewaretoken"' not in form:
            problems.append(f"POST-formulär utan CSRF-token: {form[:80]}")
    if "<html" in body:
        config = HTMX_CONFIG.search(body)
        if not config or json.loads(config.group(1)).get("historyCacheSize") != 0:
            problems.append("htmx-config saknar historyCacheSize 0")
        if not re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[\w-]{32,}\"\}'[^>]*>", body):
            problems.append("<body> skickar inte CSRF-token i hx-headers")
    return problems


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", errors="replace")


@dataclass
class Visit:
    role: str
    obj: Obj
    method: str
    htmx: bool
    url: str
    status: int
    expected: set
    body: str
    headers: str
    new_log: list  # access-log rows the request wrote
    response: object


def _visit_all(route_id: str, world) -> list[Visit]:
    route = ROUTES[route_id]
    visits = []
    for role in ROLES:
        client = Client()
        client.force_login(world.users[role], backend="vardformedling.auth.SithsStubBackend")
        for obj in _objects(route.objects, world, role):
            url = _url(route_id, obj)
            for method in ("get", "post"):
                for htmx in (False, True):
                    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
                    data = {"x": "1", **obj.data} if method == "post" else {}
                    last = Atkomstlogg.objects.order_by("-id").values_list("id", flat=True).first() or 0
                    response = getattr(client, method)(url, data, secure=True, **extra)
                    visits.append(
                        Visit(
                            role=role,
                            obj=obj,
                            method=method,
                            htmx=htmx,
                            url=url,
                            status=response.status_code,
                            expected=_expected(route, role, obj, method, htmx),
                            body=_body(response),
                            headers=repr(response.headers),
                            new_log=list(Atkomstlogg.objects.filter(id__gt=last)),
                            response=response,
                        )
                    )
    return visits


def _fingerprint(world) -> tuple:
    """What the visits must not change: every request posts nothing valid, and others' objects are out of reach."""
    for c in world.cases:
        c.refresh_from_db()
    world.annons_other.refresh_from_db()
    return (
        *(
            (c.version, c.status, c.anteckningar.count(), c.handelser.count(), c.erbjudanden.count())
            for c in world.cases
        ),
        world.annons_other.aterkallad,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("route_id", list(ROUTES))
def test_every_route_answers_each_role_by_permission_and_region_with_headers_and_access_log(route_id, world, caplog):
    caplog.set_level(logging.INFO)
    route = ROUTES[route_id]
    other_rows = Atkomstlogg.objects.filter(case_id=world.case_other.case_id).count()
    before = _fingerprint(world)
    visits = _visit_all(route_id, world)
    assert visits, route_id
    problems = []
    for v in visits:
        where = f"{v.method.upper()}{' (htmx)' if v.htmx else ''} {v.url} som {v.role} [{v.obj.label}]"
        if v.status not in v.expected:
            problems.append(f"{where}: {v.status}, väntat {sorted(v.expected)}")
        problems += [f"{where}: {p}" for p in header_problems(v.response)]
        if "text/html" in v.response.get("Content-Type", ""):
            problems += [f"{where}: {p}" for p in html_problems(v.body)]
        problems += [f"{where}: {p}" for p in patient_data_problems(route, v, world)]
    for row in Atkomstlogg.objects.all():
        text = " ".join(str(value) for value in row.__dict__.values())
        problems += [f"personnummer i åtkomstloggen: {row}" for s in world.secrets if s in text]
    logged_text = "\n".join(r.getMessage() for r in caplog.records)
    problems += [f"personnummer i applikationsloggen ({s})" for s in world.secrets if s in logged_text]
    if Atkomstlogg.objects.filter(case_id=world.case_other.case_id).count() != other_rows:
        problems.append("en läsning av region 06:s ärende loggades")
    if _fingerprint(world) != before:
        problems.append(f"ett ärende eller enhet B:s annons ändrades: {before} → {_fingerprint(world)}")
    assert problems == []


def _shows_name(arende, body: str) -> bool:
    return escape(arende.identitet.namn) in body or arende.identitet.namn in body


def patient_data_problems(route: Route, v: Visit, world) -> list[str]:
    """PDL on one response: a case the user may not see shows nothing (name, personnummer, its ID outside the URL
    the user typed); the personnummer only on the page of the case itself; a response with patient data writes an
    access-log row for the case in the user's name and is not cached; a response without it writes none."""
    problems = []
    user = world.users[v.role]
    logged = {(r.case_id, r.hsa_id) for r in v.new_log}
    answered = v.status in v.expected and v.status not in (403, 404, 405)
    for c in world.cases:
        pnrs = pnr_forms(c.identitet.personnummer)
        if v.role not in case_roles(world, c):
            if _shows_name(c, v.body) or any(s in v.body or s in v.headers for s in pnrs):
                problems.append(f"{c.case_id} syns fast användaren inte har åtkomst")
            if c.case_id in v.body and c.case_id not in v.url:
                problems.append(f"{c.case_id}:s ärende-id syns fast användaren inte har åtkomst")
            if any(r.case_id == c.case_id for r in v.new_log):
                problems.append(f"loggade läsning av {c.case_id} som användaren inte har åtkomst till")
            continue
        case_page = route.patient == "pnr" and v.obj.case == c and answered
        if not case_page and any(s in v.body or s in v.headers for s in pnrs):
            problems.append(f"personnumret för {c.case_id} i svaret")
        if c.identitet.namn in v.body:
            problems.append(f"namnet i {c.case_id} visas utan HTML-escaping")
        if (_shows_name(c, v.body) or any(s in v.body for s in pnrs)) and (c.case_id, user.hsa_id) not in logged:
            problems.append(f"visar {c.case_id} utan åtkomstloggrad för {user.hsa_id}")
        if _shows_name(c, v.body) and "no-store" not in v.response.get("Cache-Control", ""):
            problems.append(f"visar {c.case_id} utan Cache-Control: no-store")
    if route.patient and answered and v.role in CASE_ROLES:
        shown = v.obj.case or world.case  # worklist and start page: the case referred to unit A, seen by all three
        if (shown.case_id, user.hsa_id) not in logged:
            problems.append(f"ingen åtkomstloggrad för {shown.case_id} med {user.hsa_id}")
    if not route.patient and any(r.case_id for r in v.new_log):
        problems.append(f"loggade en läsning utan att visa patientuppgifter: {logged}")
    for r in v.new_log:
        if r.region_kod != "20" or not r.uppdrag or r.ip != "127.0.0.1" or r.hsa_id != user.hsa_id:
            problems.append(f"ofullständig loggrad {r.__dict__}")
    return problems


def test_every_route_is_classified():
    """A new route fails here until it is added to ROUTES with the roles and answers it should have."""
    assert {route_id.split("/")[0] for route_id in ROUTES} == set(CALLBACKS)


def test_every_non_public_view_declares_its_permission():
    """A view without a matrix permission would be reachable by any signed-in role."""
    missing = [
        n for n, cb in CALLBACKS.items() if n not in PUBLIC | ALLA_INLOGGADE and not _perm(cb) and not _patientvy(cb)
    ]
    assert missing == []


def _patientvy(callback) -> bool:
    """A patient page (patient/session.py `patient_kravs`): a patient session, never a staff role."""
    return bool(getattr(callback, "kraver_patient", False))


def _perm(callback) -> str | None:
    while callback is not None:
        perm = getattr(callback, "required_perm", None)
        if perm:
            return perm
        callback = getattr(callback, "__wrapped__", None)
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("route_id", list(ROUTES))
def test_anonymous_users_are_sent_to_login_with_the_page_to_come_back_to(client, route_id, world):
    route = ROUTES[route_id]
    for obj in _objects(route.objects, world, V):
        url = _url(route_id, obj)
        for method in ("get", "post"):
            if (route.get if method == "get" else route.post) == 405:
                continue
            response = getattr(client, method)(url, {"x": "1"} if method == "post" else {}, secure=True)
            assert not header_problems(response), url
            if route_id.split("/")[0] in PUBLIC:
                assert response.status_code in (200, 301, 302, 400), url
                assert "/login/?next=" not in response.get("Location", ""), url
            else:
                assert response.status_code == 302, f"{method} {url}: {response.status_code}"
                location = urlsplit(response["Location"])
                inloggning = "/patient/logga-in/" if route_id.startswith("patient:") else "/login/"
                assert location.path == inloggning, url
                assert parse_qs(location.query)["next"] == [url], url


@pytest.mark.parametrize("name", sorted(CALLBACKS))
def test_no_view_is_exempt_from_csrf(name):
    assert not getattr(CALLBACKS[name], "csrf_exempt", False), name


# --- CSRF on every route that takes a POST, plain form and HTMX ---------------------------------------------

# Routes a staff role may POST to (the patient's own POSTs: tests/patient/test_patient.py).
POST_ROUTES = [r for r, route in ROUTES.items() if route.post != 405 and route.roles]


@pytest.mark.django_db
@pytest.mark.parametrize("route_id", POST_ROUTES)
def test_a_post_is_refused_without_the_csrf_token_and_accepted_with_it(route_id, world):
    """As a role that may POST here, on its own object: no token → 403 and nothing logged; the token as form field
    or, like htmx sends it (`hx-headers` on <body>), as X-CSRFToken header → the route's own answer."""
    route = ROUTES[route_id]
    role = next(r for r in ROLES if r in route.roles and r in route.also)
    obj = _objects(route.objects, world, role)[0]
    url = _url(route_id, obj)
    data = {"x": "1", **obj.data}
    origin = {"HTTP_ORIGIN": "https://testserver", "HTTP_REFERER": "https://testserver/"}
    for htmx in (False, True):
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.users[role], backend="vardformedling.auth.SithsStubBackend")
        client.get("/login/" if route_id == "login" else "/", secure=True)  # the page sets the CSRF cookie
        token = client.cookies[settings.CSRF_COOKIE_NAME].value
        extra = {"HTTP_HX_REQUEST": "true", **origin} if htmx else origin
        rows = Atkomstlogg.objects.count()
        refused = client.post(url, data, secure=True, **extra)
        assert refused.status_code == 403, f"{url} utan token: {refused.status_code}"
        assert "CSRF" in refused.content.decode(), url
        assert Atkomstlogg.objects.count() == rows
        wanted = route.htmx_post if htmx and route.htmx_post else route.post
        wanted = wanted if _action_possible(route, obj) else 409
        if htmx:
            accepted = client.post(url, data, secure=True, HTTP_X_CSRFTOKEN=token, **extra)
        else:
            accepted = client.post(url, {**data, "csrfmiddlewaretoken": token}, secure=True, **extra)
        assert accepted.status_code == wanted, f"{url} med token: {accepted.status_code}"


@pytest.mark.django_db
def test_a_post_from_another_site_is_refused_even_with_a_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[V], backend="vardformedling.auth.SithsStubBackend")
    client.get("/", secure=True)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        f"/arenden/{world.case.case_id}/anteckningar/",
        {"anteckning-typ": "kontakt", "anteckning-text": "x", "csrfmiddlewaretoken": token},
        secure=True,
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    assert not world.case.anteckningar.exists()


@pytest.mark.django_db
def test_a_user_without_commission_gets_403_everywhere_but_start(world):
    """Deny by default: a signed-in user whose only commission has an unknown role gets no page."""
    user = make_user("okand", "20")
    assert user.uppdrag.get().roll not in Roll.values
    client = Client()
    client.force_login(user, backend="vardformedling.auth.SithsStubBackend")
    for route_id, route in ROUTES.items():
        if route_id.split("/")[0] in PUBLIC | ALLA_INLOGGADE:
            continue
        url = _url(route_id, _objects(route.objects, world, V)[0])
        method = "get" if route.get != 405 else "post"
        assert client.generic(method.upper(), url, secure=True).status_code == 403, url


def _static_urls() -> list[str]:
    from django.contrib.staticfiles import finders

    return sorted(
        settings.STATIC_URL + path.replace("\\", "/")
        for finder in finders.get_finders()
        for path, _storage in finder.list(["*.map", "*.gz", "*.br"])
    )


@pytest.mark.django_db
def test_static_files_carry_the_security_headers_and_csp_too(client):
    """WhiteNoise answers before the CSP and clickjacking middleware run; its files must not lack their headers."""
    urls = _static_urls()
    assert any(u.endswith(".svg") for u in urls) and any(u.endswith(".js") for u in urls)
    problems = {}
    for url in urls:
        response = client.get(url, secure=True)
        assert response.status_code == 200, url
        if found := header_problems(response):
            problems[url] = found
    assert problems == {}
