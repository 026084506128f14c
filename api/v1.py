"""/api/v1/: the endpoints, their schemas (the OpenAPI 3 document is generated from them) and their errors.

Every endpoint reads through the owning app's api.py, the functions the pages use: katalog (KVÅ groups, units),
lagesbild (waiting times, Väntetidsdatabasen, source status), avtal (agreements' public fields)."""

import re
from datetime import date
from typing import Generic, Literal, TypeVar

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, ValidationError

from api import svar
from api.auth import ForMangaAnrop, TokenAuth
from avtal import api as avtal_api
from katalog import api as katalog_api
from lagesbild import api as lagesbild_api
from vardformedling import referensdata

T = TypeVar("T")

api = NinjaAPI(
    title="Vårdförmedlingstjänsten – öppet API",
    version="1",
    description=(
        "Läs-API för lägesbildens uppgifter: KVÅ-grupper, regioner, vårdenheter, väntetider per vårdenhet och "
        "KVÅ-grupp med källa och datum, Väntetidsdatabasens månadsserier och avtalens publika uppgifter. "
        "Inga personuppgifter. En enda skrivning: avtalsägarens system rapporterar volym utanför portalen "
        "(POST /avtal/volym, token skapad med --region). "
        "Autentisering med `Authorization: Bearer <token>` (en token per system). "
        "Alla listor kan hämtas som CSV med `?format=csv` eller `Accept: text/csv`, sidindelas med `sida` och "
        "`per_sida` och har `ETag`/`Last-Modified`: skicka `If-None-Match` för att få 304 när inget ändrats."
    ),
    auth=TokenAuth(),
    urls_namespace="api_v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


class Fel(Schema):
    detail: str


class Kallstatus(Schema):
    kalla: str
    datum: date | None
    inaktuell: bool
    text: str


class Sida(Schema, Generic[T]):
    antal: int
    sida: int
    per_sida: int
    sidor: int
    nasta: str | None
    foregaende: str | None
    kallor: list[Kallstatus]
    resultat: list[T]


class KvaGrupp(Schema):
    kod: str
    benamning: str
    vardomrade: str
    kallregister: str  # SPOR or NCR (the field name "register" is taken by pydantic)
    synonymer: list[str]
    namngiven: bool


class Region(Schema):
    kod: str
    namn: str
    sjukvardsregion: str
    vardgaranti_dagar: int


class Vardenhet(Schema):
    hsa_id: str
    namn: str
    region_kod: str
    kommun: str
    ort: str
    lat: float | None
    lon: float | None
    aktiv: bool
    kalla: str
    vardgivare_hsa_id: str | None
    vardgivare: str | None
    agarform: str | None
    kva_grupper: list[str]


class Vantetid(Schema):
    niva: Literal["enhet", "region", "riket"]
    hsa_id: str
    namn: str
    region_kod: str
    region_namn: str
    kva: str
    matperiod: str
    urval: str
    antal: int | None
    farre_an_5: bool
    median_dagar: int | None
    p90_dagar: int | None
    andel_inom_90: float | None
    andel_asa_3_4: float | None
    kalla: str | None
    uttagsdatum: date | None
    inaktuell: bool


class VantetidManad(Schema):
    manad: str
    region_kod: str
    typ: str
    vardomrade: str
    antal_vantande: int | None
    antal_vantande_over_90: int | None
    antal_nytillkomna: int | None
    antal_genomforda: int | None
    andel_inom_garanti: float | None
    uttagsdatum: date
    inaktuell: bool


class PrognosManad(Schema):
    manad: str
    median: int
    lag: int
    hog: int


class Prognos(Schema):
    hsa_id: str
    namn: str
    kva: str
    kalla: str
    grundmanad: str
    metod: str
    visas: bool
    skal: str
    mae_dagar: dict[str, float]
    manader: list[PrognosManad]


class Avtal(Schema):
    avtal_id: str
    avtalsagare: str
    vardgivare_hsa_id: str
    vardgivare: str
    avtalstyp: str
    giltig_fran: date
    giltig_till: date
    forlangning_till: date | None
    far_nyttjas_av_alla: bool
    far_nyttjas_av: list[str]
    vardenheter: list[str]
    kva_grupper: list[str]


class Sidindelning(Schema):
    sida: int = 1
    per_sida: int = svar.PER_SIDA
    format: Literal["json", "csv"] = "json"


FEL = {304: None, 401: Fel, 422: Fel, 429: Fel}


@api.exception_handler(svar.Ogiltig)
def _ogiltig(request: HttpRequest, exc: svar.Ogiltig) -> HttpResponse:
    return JsonResponse({"detail": str(exc)}, status=422, json_dumps_params={"ensure_ascii": False})


@api.exception_handler(ValidationError)
def _valideringsfel(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    delar = []
    for fel in exc.errors:
        var = ".".join(str(d) for d in fel.get("loc", ())[1:] if d != "sidor") or "parametrarna"
        delar.append(f"{var}: {'saknas' if fel.get('type') == 'missing' else 'ogiltigt värde'}")
    return JsonResponse(
        {"detail": "Ogiltiga parametrar – " + "; ".join(delar) + ". Se /api/v1/docs."},
        status=422,
        json_dumps_params={"ensure_ascii": False},
    )


@api.exception_handler(ForMangaAnrop)
def _for_manga(request: HttpRequest, exc: ForMangaAnrop) -> HttpResponse:
    resp = JsonResponse(
        {"detail": f"För många anrop med denna token; försök igen om {exc.vanta} sekunder."},
        status=429,
        json_dumps_params={"ensure_ascii": False},
    )
    resp["Retry-After"] = str(exc.vanta)
    return resp


@api.exception_handler(AuthenticationError)
def _oautentiserad(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    resp = JsonResponse(
        {"detail": "Ogiltig eller återkallad API-token. Skicka Authorization: Bearer <token>."},
        status=401,
        json_dumps_params={"ensure_ascii": False},
    )
    resp["WWW-Authenticate"] = 'Bearer realm="api"'
    return resp


def _kva_grupp(kod: str):
    kod = (kod or "").strip().upper()
    grupp = next((k for k in katalog_api.kva_grupper() if k.kod == kod), None)
    if grupp is None:
        raise svar.Ogiltig(f"KVÅ-gruppen {kod[:10] or '(tom)'} finns inte; se /api/v1/kva-grupper.")
    return grupp


def _region(kod: str | None) -> str | None:
    if not kod:
        return None
    normal = kod.strip().zfill(2)
    if normal == "00":
        return "00"
    if normal not in {r.kod for r in referensdata.regioner()}:
        raise svar.Ogiltig(f"Regionen {kod[:10]} finns inte; se /api/v1/regioner.")
    return normal


@api.get("/kva-grupper", response={200: Sida[KvaGrupp], **FEL}, summary="KVÅ-grupper", tags=["Katalog"])
def kva_grupper(request: HttpRequest, sidor: Query[Sidindelning], q: str = ""):
    """KVÅ-grupperna (tre tecken) med benämning, vårdområde, register och vardagliga ord. `q` söker som portalens
    sökfält (kod, benämning, vårdområde eller vardagligt ord, t.ex. "grå starr"). `namngiven` är falskt för en grupp
    som kommit i en registerfil men ännu inte namngetts av en administratör."""
    if q:
        grupp, kandidater = katalog_api.hitta_kva(q)
        grupper = [grupp] if grupp else kandidater
    else:
        grupper = katalog_api.kva_grupper()
    rader = [
        {
            "kod": k.kod,
            "benamning": k.benamning,
            "vardomrade": k.vardomrade,
            "kallregister": k.register,
            "synonymer": [s for s in k.synonymer.split(",") if s],
            "namngiven": bool(k.benamning),
        }
        for k in grupper
    ]
    return svar.lista(request, rader=rader, kolumner=list(KvaGrupp.model_fields), filnamn="kva_grupper")


@api.get("/regioner", response={200: Sida[Region], **FEL}, summary="Regioner", tags=["Katalog"])
def regioner(request: HttpRequest, sidor: Query[Sidindelning]):
    """De 21 regionerna med sjukvårdsregion och vårdgarantins gräns för behandling (dagar)."""
    rader = [
        {"kod": r.kod, "namn": r.namn, "sjukvardsregion": r.sjukvardsregion, "vardgaranti_dagar": r.vardgaranti_dagar}
        for r in referensdata.regioner()
    ]
    return svar.lista(request, rader=rader, kolumner=list(Region.model_fields), filnamn="regioner")


@api.get("/enheter", response={200: Sida[Vardenhet], **FEL}, summary="Vårdenheter", tags=["Katalog"])
def enheter(request: HttpRequest, sidor: Query[Sidindelning], region: str = "", kva: str = ""):
    """Vårdenheterna i katalogen (inga personuppgifter), med de KVÅ-grupper var och en erbjuder. Filtrera med
    `region` (länskod) och `kva` (enheter som erbjuder gruppen)."""
    region_kod = _region(region)
    kod = _kva_grupp(kva).kod if kva else None
    return svar.lista(
        request,
        rader=lambda: katalog_api.vardenheter_lista(region=region_kod, kva_kod=kod),
        kolumner=list(Vardenhet.model_fields),
        filnamn="vardenheter",
    )


PERIOD = re.compile(r"^(30|90|365)d?$|^\d{4}-(0[1-9]|1[0-2])$")


@api.get("/vantetider", response={200: Sida[Vantetid], **FEL}, summary="Väntetider", tags=["Lägesbild"])
def vantetider(
    request: HttpRequest,
    sidor: Query[Sidindelning],
    kva: str,
    period: str = "90d",
    niva: Literal["enhet", "region"] = "enhet",
    region: str = "",
    urval: str = "alla",
):
    """Väntetider för en KVÅ-grupp per vårdenhet (eller per region), från de senaste leveranserna från SPOR och
    NCR, med källa och uttagsdatum: samma rader som lägesbildens jämförelsetabell. `period` är 30d, 90d, 365d eller
    en månad ÅÅÅÅ-MM. Rikets rad kommer först. `farre_an_5` betyder att registret redovisar färre än 5 ingrepp (inga
    tal visas då). `inaktuell` och `kallor` varnar när källans senaste leverans är för gammal."""
    grupp = _kva_grupp(kva)
    if not PERIOD.match(period or ""):
        raise svar.Ogiltig(f"Perioden {period[:10]} finns inte; välj 30d, 90d, 365d eller en månad ÅÅÅÅ-MM.")
    matperiod = period if "-" in period else period.removesuffix("d") + "d"
    region_kod = _region(region)
    kallor = lagesbild_api.kallor_for_kva(grupp.register)
    version, senast = lagesbild_api.svarsversion(kallor)
    lasta: dict[str, list] = {"status": []}  # the source status read with the rows

    def rader() -> list[dict]:
        enheter, riket, status = lagesbild_api.tabellrader(
            kva=grupp, matperiod=matperiod, urval=urval, niva=niva, region=region_kod if region_kod != "00" else None
        )
        inaktuell = {s["kalla"]: s["inaktuell"] for s in status}
        lasta["status"] = status
        return [
            {
                "niva": "riket" if r.riket else niva,
                "hsa_id": r.hsa_id,
                "namn": r.namn,
                "region_kod": r.region_kod,
                "region_namn": r.region_namn,
                "kva": grupp.kod,
                "matperiod": matperiod,
                "urval": urval,
                "antal": r.antal,
                "farre_an_5": r.undertryckt,
                "median_dagar": r.median,
                "p90_dagar": r.p90,
                "andel_inom_90": r.andel_inom_90,
                "andel_asa_3_4": r.andel_asa_3_4,
                "kalla": r.kalla,
                "uttagsdatum": r.datum,
                "inaktuell": inaktuell.get(r.kalla, True),
            }
            for r in [*riket, *sorted(enheter, key=lambda r: (r.region_kod, r.hsa_id, r.namn))]
        ]

    return svar.lista(
        request,
        rader=rader,
        kolumner=list(Vantetid.model_fields),
        filnamn=f"vantetider_{grupp.kod}_{matperiod}",
        version=version,
        senast=senast,
        kallor=lambda: [_kallstatus(s) for s in lasta["status"]],
    )


def _kallstatus(s: dict) -> dict:
    return {"kalla": str(s["kalla"]), "datum": s["datum"], "inaktuell": s["inaktuell"], "text": s["text"]}


@api.get(
    "/vantetidsdatabasen",
    response={200: Sida[VantetidManad], **FEL},
    summary="Väntetidsdatabasen per månad",
    tags=["Lägesbild"],
)
def vantetidsdatabasen(
    request: HttpRequest,
    sidor: Query[Sidindelning],
    region: str = "00",
    vardomrade: str = "",
    typ: Literal["", "besok", "atgard"] = "",
):
    """Väntetidsdatabasens månadsserier för hela landet (region 00) eller en region: väntande vid månadens slut,
    väntat mer än 90 dagar, nytillkomna och genomförda, per typ (besok/atgard) och vårdområde. Ett antal som är null
    redovisas som färre än 5."""
    region_kod = _region(region) or "00"
    version, senast = lagesbild_api.svarsversion(["VANTETIDER"])
    status = [_kallstatus(s) for s in lagesbild_api.kallstatus(["VANTETIDER"])]
    inaktuell = bool(status and status[0]["inaktuell"])

    def rader() -> list[dict]:
        return [
            {
                "manad": f"{r.manad:%Y-%m}",
                "region_kod": r.region_id or "00",
                "typ": r.typ,
                "vardomrade": r.vardomrade,
                "antal_vantande": r.antal_vantande,
                "antal_vantande_over_90": r.antal_vantande_over_90,
                "antal_nytillkomna": r.antal_nytillkomna,
                "antal_genomforda": r.antal_genomforda,
                "andel_inom_garanti": r.andel_inom_garanti,
                "uttagsdatum": r.leverans.uttagsdatum,
                "inaktuell": inaktuell,
            }
            for r in lagesbild_api.vantetidsdatabasen(region=region_kod, vardomrade=vardomrade or None, typ=typ or None)
        ]

    return svar.lista(
        request,
        rader=rader,
        kolumner=list(VantetidManad.model_fields),
        filnamn=f"vantetidsdatabasen_{region_kod}",
        version=version,
        senast=senast,
        kallor=status,
    )


@api.get("/prognoser", response={200: Sida[Prognos], **FEL}, summary="Prognoser", tags=["Lägesbild"])
def prognoser(request: HttpRequest, sidor: Query[Sidindelning], kva: str = "", hsa_id: str = "", visas: bool = False):
    """Nattens prognoser av medianväntetiden per vårdenhet och KVÅ-grupp, 1–3 månader fram med 80 % intervall
    (`manader`). Metoden väljs per serie genom backtest (rullande startpunkt, tre månader fram) mot en naiv och en
    säsongsnaiv prognos (`mae_dagar`); en prognos som inte slår den naiva visas inte (`visas` falskt, `skal` säger
    varför, `manader` tom). `visas=true` ger bara de visade."""
    kod = _kva_grupp(kva).kod if kva else None
    return svar.lista(
        request,
        rader=lambda: lagesbild_api.prognoser(kva_kod=kod, hsa_id=hsa_id or None, bara_visade=visas),
        kolumner=list(Prognos.model_fields),
        filnamn="prognoser",
    )


@api.get("/avtal", response={200: Sida[Avtal], **FEL}, summary="Avtal (publika uppgifter)", tags=["Avtal"])
def avtal(request: HttpRequest, sidor: Query[Sidindelning], region: str = "", kva: str = ""):
    """Avtalens publika uppgifter: avtalsägare, vårdgivare, typ, giltighet, vilka regioner som får nyttja avtalet,
    vilka enheter och KVÅ-grupper det omfattar. Priser, ersättning och volymer lämnas aldrig ut här."""
    region_kod = _region(region)
    kod = _kva_grupp(kva).kod if kva else None
    return svar.lista(
        request,
        rader=lambda: avtal_api.publika_avtal(region=region_kod, kva_kod=kod),
        kolumner=list(Avtal.model_fields),
        filnamn="avtal",
    )


class VolymRapport(Schema):
    avtal_id: str
    avtalsagare_region_kod: str
    kva_grupp: str
    region_kod: str  # the patients' home region
    manad: str  # ÅÅÅÅ-MM, within the last 24 months
    antal: int
    kommentar: str = ""


class VolymKvitto(Schema):
    avtal_id: str
    avtalsagare: str
    kva_grupp: str
    region_kod: str
    manad: str
    antal: int
    ny: bool
    takvolym: int | None
    forbrukat: int
    reserverat: int
    kvar: int | None


@api.post(
    "/avtal/volym",
    response={200: VolymKvitto, 201: VolymKvitto, 401: Fel, 403: Fel, 404: Fel, 422: Fel, 429: Fel},
    summary="Rapportera volym utanför portalen",
    tags=["Avtal"],
)
def avtal_volym(request: HttpRequest, rapport: VolymRapport):
    """Volym som använts utanför portalen på en avtalsrad: antal patienter från en region en månad, med kommentar.
    Bara avtalsägarens system (en token skapad med `--region`) får rapportera. En ny siffra för samma avtalsrad,
    region och månad ersätter den tidigare (200), en ny rad ger 201. Svaret har avtalsradens förbrukat, reserverat
    och kvar efter rapporten; tröskelnotiser (80, 95, 100 %) går ut som när volym rapporteras i portalen."""
    token = getattr(request, "api_token", None)
    try:
        kvitto = avtal_api.rapportera_volym(
            token_region=getattr(token, "region_id", None), avtal_id=rapport.avtal_id,
            avtalsagare=rapport.avtalsagare_region_kod, kva_kod=rapport.kva_grupp, region_kod=rapport.region_kod,
            manad=rapport.manad, antal=rapport.antal, kommentar=rapport.kommentar,
            system=getattr(token, "system", ""),
        )  # fmt: skip
    except avtal_api.VolymAvvisad as exc:
        return Status(exc.status, {"detail": str(exc)})
    return Status(201 if kvitto["ny"] else 200, kvitto)
