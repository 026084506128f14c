"""Builds the follow-up tables (and their charts) for a selection; the page, the exports and the reports use this."""

from dataclasses import replace

from uppfoljning import queries as q
from uppfoljning.tabell import Tabell, antal, dagar, kr, procent, skydda, skydda_kolumn, text
from uppfoljning.urval import Urval
from vardformedling.charts import Serie, stapeldiagram
from vardformedling.models import Region

VISA_RADER = 20  # long tables (providers, agreements) show the largest rows; the export has them all
TABELLER = {
    "nyckeltal": "Nyckeltal",
    "manader": "Förmedlade patienter per månad",
    "avbojda": "Avböjda erbjudanden per orsak",
    "avslutade": "Avslutade i förtid per orsak",
    "tider": "Handläggningstid och väntetid",
    "kostnad": "Kostnad",
    "floden": "Flöden mellan regioner",
    "vardgivare": "Per vårdgivare",
    "avtal": "Volym per avtal",
    "kallor": "Per källa",
    "svar": "Svarstid och svarskanal",
}


def _nyckeltal(k: dict, e: dict, sparat: dict, u: bool) -> Tabell:
    besvarade = e["accepterade"] + e["avbojda"]
    rader = [
        ("Registrerade ärenden", antal(k["registrerade"], u), "Registrerade under perioden."),
        ("Ärenden med erbjudande", antal(e["arenden"], u), "Minst ett erbjudande lämnat."),
        ("Lämnade erbjudanden", antal(e["lamnade"], u), "Alla erbjudanden, även obesvarade och återkallade."),
        ("Accepterade erbjudanden", antal(e["accepterade"], u), "Patienten tackade ja."),
        ("Avböjda erbjudanden", antal(e["avbojda"], u), "Patienten tackade nej (orsaker nedan)."),
        ("Obesvarade erbjudanden", antal(e["obesvarade"], u), "Väntar på patientens svar."),
        ("Acceptansgrad", procent(e["accepterade"], besvarade, u), "Accepterade / besvarade erbjudanden."),
        ("Förmedlade patienter", antal(k["accepterade"], u), "Ärenden där patienten accepterat ett erbjudande."),
        ("Utförd vård", antal(k["utforda"], u), "Ärenden med datum för utförd vård."),
        (
            "Andel behandlade inom vårdgarantin",
            procent(k["inom_garanti"], k["utforda"], u),
            "Utförd senast det datum då vårdgarantin löper ut.",
        ),
        ("Avslutade efter uppföljning", antal(k["avslutade"], u), ""),
        ("Avslutade i förtid", antal(k["avslutade_tidigt"], u), "Orsaker nedan."),
        ("Pågående ärenden", antal(k["pagaende"], u), ""),
        (
            "Sparade dagar per patient (medel)",
            dagar(sparat["medel"], sparat["antal"], u),
            f"Hemmaenhetens medianväntetid i lägesbilden minus faktisk väntan (beslut → utförd). "
            f"Underlag: {sparat['antal']} av {k['utforda']} utförda ärenden – övriga saknar väntetid för "
            "hemmaenheten.",
        ),
        ("Sparade dagar totalt", dagar(sparat["summa"], sparat["antal"], u), "Summa över underlaget ovan."),
    ]
    return Tabell(
        "nyckeltal",
        TABELLER["nyckeltal"],
        ["Mått", "Värde", "Förklaring"],
        [[text(a), b, text(c)] for a, b, c in rader],
        undertryckt=u,
    )


def _manader(rader: list[dict], u: bool) -> Tabell:
    # Each column adds up to a key figure (registered, brokered, performed): secondary suppression per column.
    t = Tabell(
        "manader",
        TABELLER["manader"],
        ["Månad", "Registrerade", "Förmedlade", "Utförd vård"],
        [
            [
                text(q.manadsetikett(r["manad"])),
                antal(r["registrerade"], u),
                antal(r["formedlade"], u),
                antal(r["utforda"], u),
            ]
            for r in rader
        ],
        forklaring="Efter registreringsmånad: hur många av månadens ärenden som förmedlats och fått vård.",
        undertryckt=u,
    )
    for kolumn in (1, 2, 3):
        skydda_kolumn(t.rader, kolumn)
    t.diagram = stapeldiagram(
        titel="Förmedlade patienter per månad",
        beskrivning=(
            "Stapeldiagram per registreringsmånad: registrerade ärenden, förmedlade patienter och utförd vård. "
            "Samma siffror finns i tabellen bredvid."
        ),
        etiketter=[
            q.MANADER[r["manad"].month - 1] + (f"\n{r['manad'].year}" if i == 0 or r["manad"].month == 1 else "")
            for i, r in enumerate(rader)
        ],
        serier=[Serie(namn, [c.diagramvarde for c in t.kolumn(i)]) for i, namn in enumerate(t.kolumner) if i],
        y_etikett="Antal",
        id_prefix="manader",
    )
    return t


def _orsaker(nyckel: str, rader: list[tuple[str, int]], u: bool, forklaring: str) -> Tabell:
    t = Tabell(nyckel, TABELLER[nyckel], ["Orsak", "Antal"], [[text(a), antal(n, u)] for a, n in rader])
    t.forklaring, t.undertryckt = forklaring, u
    skydda_kolumn(t.rader, 1)  # the reasons add up to a key figure (declined offers, cases ended early)
    t.diagram = stapeldiagram(
        titel=TABELLER[nyckel],
        beskrivning=f"Stapeldiagram: {TABELLER[nyckel].lower()}. Samma siffror finns i tabellen bredvid.",
        etiketter=[a for a, _ in rader],
        serier=[Serie("Antal", [c.diagramvarde for c in t.kolumn(1)])],
        id_prefix=nyckel,
    )
    return t


def _tider(h: dict, v: dict, u: bool) -> Tabell:
    return Tabell(
        "tider",
        TABELLER["tider"],
        ["Tid", "Antal ärenden", "Median (dagar)", "90:e percentil (dagar)"],
        [
            [
                text("Registrering → remissbekräftelse"),
                antal(h["antal"], u),
                dagar(h["median"], h["antal"], u),
                dagar(h["p90"], h["antal"], u),
            ],
            [
                text("Beslut om behandling → utförd vård"),
                antal(v["antal"], u),
                dagar(v["median"], v["antal"], u),
                dagar(v["p90"], v["antal"], u),
            ],
        ],
        forklaring="Hela dagar mellan datumen.",
        undertryckt=u,
    )


def _svar(rader: list[dict], u: bool) -> Tabell:
    return Tabell(
        "svar",
        TABELLER["svar"],
        ["Svaret kom", "Antal svar", "Median (dagar)", "90:e percentil (dagar)"],
        [
            [
                text(r["etikett"]),
                antal(r["antal"], u),
                dagar(r["median"], r["antal"], u),
                dagar(r["p90"], r["antal"], u),
            ]
            for r in rader
        ],
        forklaring="Från att erbjudandet skickades till att patientens svar registrerades, i dagar. Digitalt: "
        "patientens egna sidor; post och telefon: registrerat av vårdförmedlingen.",
        undertryckt=u,
    )


def _kostnad(k: dict, u: bool) -> Tabell:
    return Tabell(
        "kostnad",
        TABELLER["kostnad"],
        ["Kostnad", "Antal ärenden", "Summa"],
        [
            [text("Fakturerat belopp"), antal(k["fakturerade"], u), kr(k["faktura_summa"] or 0, k["fakturerade"], u)],
            [text("Reseersättning (sjukresor)"), antal(k["med_resa"], u), kr(k["rese_summa"] or 0, k["med_resa"], u)],
            [
                text("Vårdkostnad per patient (medel)"),
                antal(k["fakturerade"], u),
                kr(k["faktura_summa"] / k["fakturerade"] if k["fakturerade"] else None, k["fakturerade"], u),
            ],
            [text("Ärenden med fakturarad som avviker från avtalat pris"), antal(k["avvikande"], u), text("")],
        ],
        undertryckt=u,
    )


def _floden(rader: list[dict], u: bool, regionnamn: dict[str, str]) -> Tabell:
    mottagande = sorted({r["mottagande_region"] for r in rader})
    remitterande = sorted({r["region_id"] for r in rader})
    celler = {(r["region_id"], r["mottagande_region"]): r["n"] for r in rader}
    tabellrader = []
    for rr in remitterande:
        rad = [antal(celler.get((rr, m), 0), u) for m in mottagande]
        summa = antal(sum(celler.get((rr, m), 0) for m in mottagande), u)
        if not summa.dold:  # a row with its sum shown: no suppressed cell may be the sum minus the others
            rad, dolj_summa = skydda(rad)
            summa = replace(summa, skyddad=dolj_summa)
        tabellrader.append([text(f"{rr} {regionnamn.get(rr, '')}"), *rad, summa])
    return Tabell(
        "floden",
        TABELLER["floden"],
        ["Remitterande region ↓ / mottagande →", *[f"{k} {regionnamn.get(k, '')}" for k in mottagande], "Summa"],
        tabellrader,
        forklaring="Ärenden med mottagande enhet: patientens hemregion (rader) och den mottagande enhetens region.",
        undertryckt=u,
    )


def _vardgivare(rader: list[dict], u: bool) -> Tabell:
    t = Tabell(
        "vardgivare",
        TABELLER["vardgivare"],
        ["Vårdgivare", "Förmedlade", "Utförd vård", "Inom vårdgarantin", "Fakturerat"],
        [
            [
                text(r["vardgivare_namn"] or "Okänd vårdgivare"),
                antal(r["formedlade"], u),
                antal(r["utforda"], u),
                procent(r["inom_garanti"], r["utforda"], u),
                kr(r["fakturerat"] or 0, r["fakturerade"], u),
            ]
            for r in rader
        ],
        undertryckt=u,
        max_rader=VISA_RADER,
    )
    # Brokered, performed and invoiced add up over the providers to key figures and the cost table's sum.
    for kolumn in (1, 2, 4):
        skydda_kolumn(t.rader, kolumn)
    return t


def _avtal(rader: list[dict], u: bool) -> Tabell:
    return Tabell(
        "avtal",
        TABELLER["avtal"],
        ["Avtal", "Avtalsägare", "Vårdgivare", "KVÅ-grupp", "Förbrukat", "Reserverat", "Takvolym"],
        [
            [
                text(r["avtal_id"]),
                text(r["agare"]),
                text(r["vardgivare_namn"]),
                text(r["kva"]),
                antal(r["forbrukat"], u),
                antal(r["reserverat"], u),
                antal(r["takvolym"], False) if r["takvolym"] is not None else text("inget tak"),
            ]
            for r in rader
        ],
        forklaring="Volym som urvalets ärenden har reserverat (accepterat erbjudande) eller förbrukat (utförd vård).",
        undertryckt=u,
        max_rader=VISA_RADER,
    )


KALLA_NAMN = {"vantelista": "Väntelista (proaktivt)", "patient": "Patienten hörde av sig", "remiss": "Remiss"}


def _kallor(per: dict[str, dict], sparat: dict, lage: dict | None, u: bool) -> Tabell:
    """Every figure by source; for proactive work also the region's lists now and the days saved."""
    rader = [
        [text(KALLA_NAMN.get(k, k)), antal(v["registrerade"], u), antal(v["lamnade"], u), antal(v["accepterade"], u),
         antal(v["formedlade"], u), antal(v["utforda"], u)]
        for k, v in per.items()
    ]  # fmt: skip
    forklaring = "Ärenden registrerade under perioden, efter hur de kom till vårdförmedlingen."
    if lage is not None:
        forklaring += (
            f" Proaktivt just nu: {lage['pa_listor']} patienter på regionens väntelistor, varav {lage['i_risk']} har "
            "passerat eller riskerar att passera vårdgarantin."
        )
    if sparat["antal"]:
        forklaring += (
            f" Sparade dagar för ärenden från väntelistor: {round(sparat['summa'])} ({sparat['antal']} utförda)."
        )
    return Tabell(
        "kallor", TABELLER["kallor"],
        ["Källa", "Registrerade", "Erbjudanden", "Accepterade", "Förmedlade", "Utförd vård"],
        rader, forklaring=forklaring, undertryckt=u,
    )  # fmt: skip


def berakna(urval: Urval, *, export: bool = False, endast: str | None = None) -> dict[str, Tabell]:
    """All tables for the selection (or only `endast`). Exports always suppress counts below 5."""
    qs = urval.arenden()
    u = export or urval.undertryck_alla
    u_region = u or urval.undertryck_regioner
    behov = set(TABELLER) if endast is None else {endast}
    ut: dict[str, Tabell] = {}
    if behov & {"nyckeltal", "kostnad", "manader"}:
        manadsrader = q.manadsrader(qs)
        k = q.nyckeltal(qs, manadsrader)
    if "nyckeltal" in behov:
        ut["nyckeltal"] = _nyckeltal(k, q.erbjudanden(qs), q.sparade_dagar(qs), u)
    if "manader" in behov:
        ut["manader"] = _manader(q.per_manad(qs, urval.fran, urval.till, manadsrader), u)
    if "avbojda" in behov:
        ut["avbojda"] = _orsaker("avbojda", q.avbojda_per_orsak(qs), u, "Patientens orsak när ett erbjudande avböjdes.")
    if "avslutade" in behov:
        ut["avslutade"] = _orsaker(
            "avslutade", q.avslutade_per_orsak(qs), u, "Ärenden som avslutades innan vården utfördes."
        )
    if "tider" in behov:
        ut["tider"] = _tider(q.handlaggningstid(qs), q.vantetid_till_vard(qs), u)
    if "kostnad" in behov:
        ut["kostnad"] = _kostnad(k, u)
    if "floden" in behov:
        namn = dict(Region.objects.values_list("kod", "namn"))
        ut["floden"] = _floden(q.floden(qs), u_region, namn)
    if "vardgivare" in behov:
        ut["vardgivare"] = _vardgivare(q.per_vardgivare(qs), u_region)
    if "avtal" in behov:
        ut["avtal"] = _avtal(q.volym_per_avtal(qs), u_region)
    if "kallor" in behov:
        from arenden.api import vantelista_lage

        lage = vantelista_lage(urval.region) if urval.region else None
        ut["kallor"] = _kallor(q.per_kalla(qs), q.sparade_dagar(qs.filter(kalla="vantelista")), lage, u)
    if "svar" in behov:
        ut["svar"] = _svar(q.svarstider(qs), u)
    return {n: ut[n] for n in TABELLER if n in ut}


CACHE_SEKUNDER = 600


def _fingeravtryck() -> tuple[str, str] | None:
    """What the figures are cached under besides the selection: the cases' version (arenden.api.version: changed on
    every write of a case or a waiting list, bulk writes and deletes included; no query, read with the request's
    other versions in one round trip to the cache) and the database the figures are read from. None without a
    reachable cache.

    The database: a read replica may lag behind a write whose new version is already out, so figures read from it
    are kept apart and only as long as the replica may lag (DATABASE_REPLICA_MAX_LAG plus its check interval): the
    writer, pinned to the primary (vardformedling/dbrouter.py), sees its own write at once, and everyone sees it once
    the replica's figures expire."""
    from django.db import router

    from arenden.api import Arende, version

    v = version()
    return None if v is None else (v, router.db_for_read(Arende))


def vardgivare_val() -> list[tuple[int, str]]:
    """Providers whose units have received cases (the provider filter's options)."""
    from arenden.api import mottagande_vardgivare

    return mottagande_vardgivare()


def _cachad(delar: tuple, berakning):
    """`berakning()` behind the cache, keyed on `delar` and `_fingeravtryck()`, so a case write shows at once.

    Figures from other apps (lägesbild waiting times, agreement caps) may lag up to CACHE_SEKUNDER. Without a
    reachable cache (Redis down) the figures are computed directly: the page never fails because of the cache.
    """
    import hashlib
    import logging

    from django.conf import settings
    from django.core.cache import cache
    from django.db import DEFAULT_DB_ALIAS

    fingeravtryck = _fingeravtryck()
    if fingeravtryck is None:  # no cache (referensdata has warned): nothing to key on, nothing to keep
        return berakning()
    # v6: the rendered tables align each heading like its column; the old key would serve the old markup for 10 min
    nyckel = "uppfoljning:v6:" + hashlib.sha256(repr((*delar, *fingeravtryck)).encode()).hexdigest()
    sekunder = CACHE_SEKUNDER
    if fingeravtryck[1] != DEFAULT_DB_ALIAS:
        sekunder = min(sekunder, int(settings.DATABASE_REPLICA_MAX_LAG + settings.DATABASE_REPLICA_KONTROLL))
    try:
        traff = cache.get(nyckel)
    except Exception:  # the cache is an optimisation only
        logging.getLogger(__name__).warning("Uppföljning: cachen svarar inte, beräknar direkt.")
        traff = None
    if traff is not None:
        return traff
    resultat = berakning()
    try:
        cache.set(nyckel, resultat, sekunder)
    except Exception:
        logging.getLogger(__name__).warning("Uppföljning: kunde inte spara i cachen.")
    return resultat


def berakna_cachad(urval: Urval, *, export: bool = False, endast: str | None = None) -> dict[str, Tabell]:
    val = (urval.params(), urval.region, urval.undertryck_alla, urval.undertryck_regioner, export, endast)
    return _cachad(val, lambda: berakna(urval, export=export, endast=endast))


def sida_cachad(urval: Urval) -> dict:
    """Everything the page computes from the cases: the tables and the provider filter's options, and both rendered
    (`tabeller_html`, `vardgivare_html`): rendering their ≈ 550 cells and 312 options at seed_scale 1 was the largest
    cost of a view once the figures were cached (bench/RESULTS.md). The key holds all they depend on: the selection
    (`urval.params()`, also the export links' query) and the cases' version."""
    from urllib.parse import urlencode

    from django.template.loader import render_to_string

    def berakning() -> dict:
        tabeller = {n: t.sidversion() for n, t in berakna(urval).items()}
        vardgivare = vardgivare_val()
        return {
            "tabeller": tabeller,
            "vardgivare": vardgivare,
            "tabeller_html": render_to_string(
                "uppfoljning/_tabeller.html", {"tabeller": tabeller, "query": urlencode(urval.params())}
            ),
            "vardgivare_html": render_to_string(
                "uppfoljning/_vardgivare.html", {"vardgivare": vardgivare, "urval": urval}
            ),
        }

    val = (urval.params(), urval.region, urval.undertryck_alla, urval.undertryck_regioner, "sida")
    return _cachad(val, berakning)
