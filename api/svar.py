"""How every list endpoint answers: a JSON page or CSV, ETag/Last-Modified with 304, and the sources' status.

A list answers `{"antal", "sida", "per_sida", "sidor", "nasta", "foregaende", "kallor", "resultat"}`; with
`?format=csv` (or `Accept: text/csv`) the same rows as CSV (semicolons, UTF-8 with BOM; all rows unless `sida` or
`per_sida` is given). The validators: an endpoint whose data has a cheap version (`lagesbild.api.svarsversion`)
passes it and answers 304 before reading any rows, and a 200 from this process's copy of the same answer (kept under
its ETag, so a new delivery, a catalogue change or a new day is a new key); the others get an ETag from the content.
"""

import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe

from vardformedling.export import tabell_export

PER_SIDA = 100
MAX_PER_SIDA = 5000  # every unit of one KVÅ group (≈ 3,000 at full scale) on one page
API_VERSION = "1"  # part of every ETag: a change of the answers' shape invalidates what clients hold
SVAR_MAX_BYTE = 32 * 1024 * 1024  # this process's copies of versioned answers (the newest used kept)


class _Svarskopior:
    """Versioned answers already served (body and headers) under their ETag and the address they were asked at
    (the page links are absolute): the least recently used go when the bytes pass SVAR_MAX_BYTE. The answers do
    not depend on the token (no list endpoint's does), so every token shares them."""

    def __init__(self):
        self._kopior: OrderedDict[str, tuple[bytes, dict[str, str]]] = OrderedDict()
        self._byte = 0
        self._las = threading.Lock()

    def hamta(self, nyckel: str) -> HttpResponse | None:
        with self._las:
            kopia = self._kopior.get(nyckel)
            if kopia is None:
                return None
            self._kopior.move_to_end(nyckel)
        innehall, rubriker = kopia
        svar = HttpResponse(innehall)
        for namn, varde in rubriker.items():
            svar[namn] = varde
        return svar

    def spara(self, nyckel: str, svar: HttpResponse) -> None:
        innehall = svar.content
        if len(innehall) > SVAR_MAX_BYTE // 4:
            return
        rubriker = {n: svar[n] for n in ("Content-Type", "Content-Disposition") if svar.has_header(n)}
        with self._las:
            if nyckel in self._kopior:
                return
            self._kopior[nyckel] = (innehall, rubriker)
            self._byte += len(innehall)
            while self._byte > SVAR_MAX_BYTE:
                _n, (gammal, _r) = self._kopior.popitem(last=False)
                self._byte -= len(gammal)

    def glom(self) -> None:
        with self._las:
            self._kopior.clear()
            self._byte = 0


kopior = _Svarskopior()


class Ogiltig(Exception):
    """A query parameter out of range: 422 with the Swedish message."""


def vill_ha_csv(request: HttpRequest) -> bool:
    if request.GET.get("format") == "csv":
        return True
    return "text/csv" in request.headers.get("Accept", "") and "application/json" not in request.headers.get(
        "Accept", ""
    )


def _etag(*delar: str) -> str:
    return '"' + hashlib.sha256("\x1f".join(delar).encode()).hexdigest()[:32] + '"'


def _nyckel(request: HttpRequest) -> str:
    """The request's identity for its validator: path, sorted query and the format."""
    fraga = sorted((k, v) for k, vs in request.GET.lists() for v in vs)
    return f"{API_VERSION}|{request.path}|{urlencode(fraga)}|{'csv' if vill_ha_csv(request) else 'json'}"


def _inte_andrad(request: HttpRequest, etag: str, senast: datetime | None) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return etag in [t.strip().removeprefix("W/") for t in if_none_match.split(",")] or if_none_match.strip() == "*"
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return bool(senast and since and int(senast.timestamp()) <= since)


def _validatorer(svar: HttpResponse, etag: str, senast: datetime | None) -> HttpResponse:
    svar["ETag"] = etag
    if senast:
        svar["Last-Modified"] = http_date(senast.timestamp())
    svar["Cache-Control"] = "private, no-cache"  # revalidate each time: cheap with If-None-Match
    svar["Vary"] = "Accept, Authorization"
    return svar


def sidparametrar(request: HttpRequest) -> tuple[int, int]:
    def heltal(namn: str, standard: int) -> int:
        text = request.GET.get(namn, "")
        if not text:
            return standard
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            raise Ogiltig(f"Parametern {namn} måste vara ett positivt heltal, inte {text[:20]!r}.")
        return int(text)

    per_sida = heltal("per_sida", PER_SIDA)
    if per_sida > MAX_PER_SIDA:
        raise Ogiltig(f"Parametern per_sida får vara högst {MAX_PER_SIDA}.")
    return heltal("sida", 1), per_sida


def lista(
    request: HttpRequest,
    *,
    rader: Callable[[], list[dict]] | list[dict],
    kolumner: list[str],
    filnamn: str,
    version: str | None = None,
    senast: datetime | None = None,
    kallor: list[dict] | Callable[[], list[dict]] | None = None,
) -> HttpResponse:
    """The list answer. `rader` may be a function: with a `version` it is called only when neither the client nor
    this process has the answer of that version. `kolumner` are the keys of each row (and the CSV header)."""
    sida, per_sida = sidparametrar(request)
    etag = _etag(_nyckel(request), version) if version is not None else None
    if etag and _inte_andrad(request, etag, senast):
        return _validatorer(HttpResponseNotModified(), etag, senast)
    kopienyckel = f"{etag}|{request.build_absolute_uri('/')}"
    if etag and (kopia := kopior.hamta(kopienyckel)) is not None:
        return _validatorer(kopia, etag, senast)
    alla = rader() if callable(rader) else rader
    kallor = kallor() if callable(kallor) else (kallor or [])
    antal = len(alla)
    sidor = max(1, math.ceil(antal / per_sida))
    sidnumrerad = not vill_ha_csv(request) or "sida" in request.GET or "per_sida" in request.GET
    urval = alla[(sida - 1) * per_sida : sida * per_sida] if sidnumrerad else alla
    if vill_ha_csv(request):
        svar = tabell_export(filnamn, kolumner, ([_cell(r.get(k)) for k in kolumner] for r in urval), format="csv")
        svar["Content-Disposition"] = f'attachment; filename="{filnamn}.csv"'
        innehall = svar.content
    else:

        def lank(n: int) -> str | None:
            if not 1 <= n <= sidor or (not urval and n > sida):
                return None
            fraga = request.GET.copy()
            fraga["sida"] = str(n)
            return request.build_absolute_uri(request.path + "?" + fraga.urlencode())

        kropp = {
            "antal": antal,
            "sida": sida,
            "per_sida": per_sida,
            "sidor": sidor,
            "nasta": lank(sida + 1) if sida < sidor else None,
            "foregaende": lank(sida - 1) if sida > 1 else None,
            "kallor": kallor,
            "resultat": urval,
        }
        innehall = json.dumps(kropp, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
        svar = HttpResponse(innehall, content_type="application/json; charset=utf-8")
    if etag is None:  # no cheap version: the content is the version
        etag = _etag(_nyckel(request), hashlib.sha256(innehall).hexdigest())
        if _inte_andrad(request, etag, senast):
            return _validatorer(HttpResponseNotModified(), etag, senast)
    else:
        kopior.spara(kopienyckel, svar)
    return _validatorer(svar, etag, senast)


def _cell(varde) -> object:
    if varde is None:
        return ""
    if isinstance(varde, bool):
        return "ja" if varde else "nej"
    if isinstance(varde, list | dict):
        return json.dumps(varde, ensure_ascii=False)
    if hasattr(varde, "isoformat"):
        return varde.isoformat()
    return varde
