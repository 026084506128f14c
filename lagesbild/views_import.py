"""/lagesbild/importer/: import runs with their errors, file upload, and "Kör inkorgen nu" with progress."""

import logging
import uuid

from celery.result import AsyncResult
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from kombu.exceptions import OperationalError as KoFel
from redis.exceptions import RedisError

from katalog import api as katalog_api
from lagesbild import importers, inkorg, tasks
from lagesbild.api import kallstatus
from lagesbild.models import ImportRun
from vardformedling.anrop import BehorigRequest
from vardformedling.dbfel import databasen_nas_inte
from vardformedling.decorators import require_perm
from vardformedling.importering import vakt
from vardformedling.importering.fel import FilAvvisad

FEL_INGEN_FIL = "Välj en fil att ladda upp."
FEL_FILTYP = "Filen måste vara en CSV-fil (.csv) enligt registrens leveransformat."
FEL_KO_NERE = (
    "Importen kunde inte startas: kön (Redis) svarar inte. Filerna ligger kvar i inkorgen; försök igen om en stund."
)
FEL_STATUS_NERE = "Status kan inte hämtas just nu: kön (Redis) svarar inte. Försök igen om en stund."
FEL_TILLFALLIGT = (
    "{filnamn}: filen kunde inte läsas in just nu på grund av ett tillfälligt fel. Den avvisades inte och ligger kvar "
    "i inkorgen; nattens körning eller ”Kör inkorgen nu” läser in den."
)

# What the broker (kombu) and the Redis result backend raise when Redis cannot be reached.
KO_FEL = (KoFel, RedisError, ConnectionError)

logger = logging.getLogger(__name__)


def _context(request: HttpRequest, **extra) -> dict:
    runs = Paginator(ImportRun.objects.senaste(), 25).get_page(request.GET.get("sida"))
    status = kallstatus()
    return {
        "runs": runs,
        "kallstatus": status,
        "inaktuella": [s for s in status if s["inaktuell"]],
        "vantande": len(inkorg.filer_i_inkorgen()),
        "kva_utan_namn": katalog_api.kva_utan_namn(),
        "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        **extra,
    }


@require_GET
@require_perm("lagesbild.importer")
def importer_view(request: HttpRequest) -> HttpResponse:
    task_id = request.GET.get("uppgift", "")
    return render(request, "lagesbild/importer.html", _context(request, uppgift=_uppgift_status(task_id)))


@require_POST
@require_perm("lagesbild.importer")
def ladda_upp(request: BehorigRequest) -> HttpResponse:
    """Saves the upload into the inbox under a safe name, then imports it like the nightly run would.

    The upload guard (size, and CSV by content: registers deliver no workbooks) runs before anything is saved; a
    refused file answers 422 with the page and its message (a plain form: the same with JavaScript on or off)."""
    fil = request.FILES.get("fil")
    fel = None
    if fil is None:
        fel = FEL_INGEN_FIL
    else:
        try:
            vakt.kontrollera_uppladdad(fil, typer=(vakt.CSV,))
        except FilAvvisad as exc:
            fel = exc.fel[0].meddelande
        else:
            if not (fil.name or "").lower().endswith(".csv"):
                fel = FEL_FILTYP
    if fel or fil is None:
        return render(request, "lagesbild/importer.html", _context(request, uppladdningsfel=fel), status=422)
    path = inkorg.ta_emot_uppladdning(fil.chunks(), fil.name or "")
    filnamn = path.name.split("_", 2)[-1]
    try:
        resultat = inkorg.importera_inkorgsfil(path, startad_av=request.user.hsa_id, filnamn=filnamn)
    except importers.TILLFALLIGA_FEL as exc:
        if databasen_nas_inte(exc):
            raise  # the Swedish 503 page: nothing on this page could be shown without the database
        # A deadlock, a lock timeout, Redis: the file is back in the inbox (inkorg), the page can say so.
        messages.error(request, FEL_TILLFALLIGT.format(filnamn=filnamn))
        return redirect("lagesbild:importer")
    if resultat is None:
        messages.warning(request, "Filen lästes redan in av en annan körning.")
    elif resultat.lyckad:
        messages.success(request, f"{resultat.run.filnamn}: {resultat.run.get_status_display().lower()}.")
    else:
        messages.error(request, f"{resultat.run.filnamn}: {resultat.run.meddelande} Se felen i listan nedan.")
    return redirect("lagesbild:importer")


@require_POST
@require_perm("lagesbild.importer")
def kor_inkorgen(request: BehorigRequest) -> HttpResponse:
    """Starts the inbox import as a task; HTMX gets a status fragment that polls until the task is done.

    With the queue (Redis) down nothing is started and nothing moves: the files stay in the inbox and the user is
    told so in Swedish (the nightly run or a later click picks them up)."""
    try:
        result = tasks.importera_inkorg.delay(startad_av=request.user.hsa_id)
    except (*KO_FEL, RuntimeError) as exc:
        # Celery's Redis result backend wraps the connection error in a bare RuntimeError ("Retry limit exceeded").
        if isinstance(exc, RuntimeError) and not isinstance(exc.__cause__, KO_FEL):
            raise
        logger.warning("Inkorgsimporten kunde inte köas: %s", type(exc).__name__)
        if request.htmx:
            ko_nere = {"id": "", "klar": True, "text": FEL_KO_NERE, "klara": 0, "totalt": 0, "fel": True}
            return render(request, "lagesbild/importer.html#uppgift", {"uppgift": ko_nere})
        messages.error(request, FEL_KO_NERE)
        return redirect("lagesbild:importer")
    uppgift = _uppgift_status(result.id, result)
    if request.htmx:
        return render(request, "lagesbild/importer.html#uppgift", {"uppgift": uppgift})
    return redirect(reverse("lagesbild:importer") + f"?uppgift={result.id}")


@require_GET
@require_perm("lagesbild.importer")
def uppgift_status(request: HttpRequest, task_id: str) -> HttpResponse:
    return render(request, "lagesbild/importer.html#uppgift", {"uppgift": _uppgift_status(task_id)})


FEL_OKAND_UPPGIFT = "Körningen i adressen (uppgift) finns inte. Starta en ny körning eller välj en i listan nedan."


def _uppgift_status(task_id: str, result=None) -> dict | None:
    if not task_id:
        return None
    if result is None:
        try:
            task_id = str(uuid.UUID(task_id))  # Celery's task ids; anything else ("/", "../..") names no run
        except ValueError:
            return {"id": "", "klar": True, "text": FEL_OKAND_UPPGIFT, "klara": 0, "totalt": 0, "fel": True}
        result = AsyncResult(task_id)
    try:
        state = result.state
        info = result.info if isinstance(result.info, dict) else {}
    except KO_FEL as exc:
        # The result backend is Redis; without it the status is unknown, not failed (the task may still run).
        logger.warning("Status för uppgift kunde inte hämtas: %s", type(exc).__name__)
        return {"id": task_id, "klar": True, "text": FEL_STATUS_NERE, "klara": 0, "totalt": 0, "fel": True}
    klar = state in {"SUCCESS", "FAILURE", "REVOKED"}
    if state == "SUCCESS":
        text = (
            f"Klar: {info.get('filer', 0)} filer, {info.get('inlasta', 0)} inlästa, {info.get('avvisade', 0)} avvisade."
            if info.get("filer")
            else "Klar: inkorgen var tom."
        )
    elif state == "FAILURE":
        text = "Körningen misslyckades. Försök igen eller kontakta driften."
    elif state == "PROGRESS":
        text = f"Läser in fil {info.get('klara', 0)} av {info.get('totalt', 0)} …"
    elif state == "RETRY":
        text = "Ett tillfälligt fel avbröt körningen; den försöker igen om en stund. Filerna ligger kvar i inkorgen."
    else:
        text = "Körningen väntar på att starta …"
    return {
        "id": task_id,
        "klar": klar,
        "text": text,
        "klara": info.get("klara", 0),
        "totalt": info.get("totalt", 0),
        "fel": state == "FAILURE",
    }
