"""Importing register files: detect the source, validate everything (validering/), then one short atomic write.

Rules (REGISTER_FILES.md):
- a file is accepted or rejected as a whole; a rejected file writes nothing but its ImportRun;
- the same content again (same sha256 as a kept delivery) is a no-op ("redan inläst");
- a new file for the same source and date replaces that delivery atomically;
- SPOR/NCR: only the newest delivery per source keeps its figure rows (see models.py on retention);
- Väntetidsdatabasen: a delivery replaces the months it contains and keeps the others; a month's figures are
  replaced only by a delivery with the same or a newer date than the one that delivered them (a late, older file
  is recorded, and its run says which months were kept);
- units unknown to the catalogue are created as "känd från register" (kalla=register, no provider) and the
  catalogue importer links them later by HSA-id; unknown three-character KVÅ groups are created too.
On PostgreSQL the figure rows are COPYed (binary) into a partition of their own (bulk.py); elsewhere bulk_create.
Readers pick the newest Leverans of each source (api.senaste_leveranser) and read its partition, so a replaced
delivery disappears for them atomically at commit; its partition is dropped only AFTER commit (bulk.stada_partitioner,
with a short lock timeout), because dropping a partition locks the whole figure table against readers.
A file name is stored and logged with personnummer-like digit runs masked (vardformedling.personnummer.maskera_i_text).
Register imports write one at a time (bulk.las_registerskrivning, the first lock of the write transaction), so two
imports never take the figure table's locks in opposite orders (a deadlock).
A transient fault of the infrastructure (TILLFALLIGA_FEL) is not the file's fault: the run is marked failed with a
message that the file will be read again, and the error is raised so that the caller retries (importera_fil).
"""

import hashlib
import logging
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from redis.exceptions import RedisError

from katalog.models import KvaGrupp, Vardenhet
from lagesbild import bulk
from lagesbild.models import ImportRun, ImportStatus, Kalla, Leverans, Matvarde, VantetidManad, manad_start
from lagesbild.validering import (
    Fel,
    FilAvvisad,
    Kolumn,
    RegisterRader,
    Tabell,
    granska_register,
    granska_vantetider,
    identifiera_kalla,
    las_csv,
)
from vardformedling.dbfel import tillfalligt_fel
from vardformedling.models import Region
from vardformedling.personnummer import maskera_i_text, maskerat_undantag

logger = logging.getLogger(__name__)

MEDDELANDE_REDAN_INLAST = "Filen är redan inläst (samma innehåll); inget ändrades."
MEDDELANDE_ALDRE = "Leveransen är äldre än den senaste från {kalla} ({datum}); den registreras men visas inte."
MEDDELANDE_TILLFALLIGT = (
    "Importen avbröts av ett tillfälligt fel ({fel}); inget lästes in. "
    "Filen avvisades inte och läses in igen vid nästa försök."
)
BATCH = 5000

# The error types a transient fault of the infrastructure arrives as (the database away, a deadlock, a lock timeout,
# a broken connection, Redis gone); which of them really are transient, importera_fil asks
# vardformedling.dbfel.tillfalligt_fel, and only those are raised to the callers that catch this tuple. psycopg's
# own errors come from the raw COPY cursor, which Django does not wrap.
TILLFALLIGA_FEL = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError, RedisError)


@dataclass
class Resultat:
    run: ImportRun
    fel_text: list[str] = field(default_factory=list)

    @property
    def lyckad(self) -> bool:
        return self.run.lyckad


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def importera_fil(path, *, startad_av: str, filnamn: str | None = None) -> Resultat:
    """Imports one register file and records an ImportRun whatever happens.

    A bad file gives a rejected run, a bug a failed one; neither raises. A transient fault
    (vardformedling.dbfel.tillfalligt_fel: the database or Redis away, a deadlock, a lock timeout) gives a failed
    run saying the file will be read again, and is raised: the file is not to blame, so the caller must
    not set it aside as rejected (the inbox puts it back, the Celery task retries)."""
    path = Path(path)
    filnamn = maskera_i_text(filnamn or path.name)[:255]
    with ThreadPoolExecutor(1) as lasare:
        # pyarrow reads the file while the checksum is computed (both release the GIL); its errors are raised
        # from result() inside _importera, under the run, as if read there.
        tabell = lasare.submit(las_csv, path, loggnamn=filnamn)
        run = ImportRun.objects.create(filnamn=filnamn, checksumma=sha256(path), startad_av=startad_av[:64])
        return _importera_som_run(run, tabell)


def _importera_som_run(run: ImportRun, tabell: Future) -> Resultat:
    filnamn = run.filnamn
    try:
        _importera(run, tabell.result())
    except FilAvvisad as exc:
        run.status = ImportStatus.AVVISAD
        run.fel = [f.as_dict() for f in exc.fel]
        extra = f" (de första {len(exc.fel)} visas)" if exc.antal > len(exc.fel) else ""
        run.meddelande = f"Filen avvisades: {exc.antal} fel{extra}. Inget lästes in."
    except Exception as exc:
        if tillfalligt_fel(exc):
            logger.warning("Import av %s avbröts av ett tillfälligt fel (%s)", filnamn, type(exc).__name__)
            _avbryt(run, exc)
            raise
        # A bug, or what a working database answers again for this file (statement timeout, disk full, limits):
        # a failed run, and the inbox sets the file aside instead of retrying it night after night.
        logger.error("Import av %s misslyckades:\n%s", filnamn, maskerat_undantag(exc))  # no raw path in the log
        run.status = ImportStatus.MISSLYCKAD
        run.meddelande = f"Importen misslyckades oväntat ({type(exc).__name__}); inget lästes in."
    try:
        _avsluta(run)
    except (DatabaseError, *TILLFALLIGA_FEL) as exc:
        # The import is committed (or nothing was written): only its record is missing. Raising would put the file
        # back and import it again, maybe over a newer delivery; the run stays "pågår" until aterstall_avbrutna.
        logger.warning("Körningen för %s kunde inte sparas (%s)", run.filnamn, type(exc).__name__)
    return Resultat(run, [Fel(**f).text(filnamn) for f in run.fel])


def _avsluta(run: ImportRun) -> None:
    run.klar = timezone.now()
    run.varaktighet = run.klar - run.startad
    run.save()


def _avbryt(run: ImportRun, fel: Exception) -> None:
    """Records a run stopped by a transient fault as failed, if the database lets us: when it is still away, the
    run stays "pågår" and the next inbox run marks it failed (inkorg.aterstall_avbrutna)."""
    run.status = ImportStatus.MISSLYCKAD
    run.meddelande = MEDDELANDE_TILLFALLIGT.format(fel=type(fel).__name__)
    try:
        _avsluta(run)
    except (DatabaseError, *TILLFALLIGA_FEL) as exc:
        logger.warning("Körningen för %s kunde inte sparas (%s)", run.filnamn, type(exc).__name__)


def _importera(run: ImportRun, tabell: Tabell) -> None:
    kalla = identifiera_kalla(tabell.columns, run.filnamn)
    run.kalla = kalla
    if _redan_inlast(kalla, run):
        return
    regionkoder = set(Region.objects.values_list("kod", flat=True))
    if kalla == Kalla.VANTETIDER:
        ren = granska_vantetider(tabell, regionkoder, filnamn=run.filnamn)
        _skriv_vantetider(ren, run)
        antal = len(ren)
    else:
        rader, uttagsdatum = granska_register(tabell, kalla, regionkoder, filnamn=run.filnamn)
        _skriv_register(rader, kalla, uttagsdatum, run)
        if run.status == ImportStatus.REDAN_INLAST:  # found so under the write lock: another run was first
            return
        antal = len(rader)
    run.rader = antal
    run.status = ImportStatus.KLAR


def _redan_inlast(kalla: str, run: ImportRun) -> bool:
    """True, and the run says "redan inläst", when a kept delivery of this source has the same content."""
    kept = Leverans.objects.filter(kalla=kalla, checksumma=run.checksumma).first()
    if kept:
        run.status, run.meddelande, run.uttagsdatum = (
            ImportStatus.REDAN_INLAST,
            MEDDELANDE_REDAN_INLAST,
            kept.uttagsdatum,
        )
    return kept is not None


def _ersatt_leverans(kalla: str, uttagsdatum: date, run: ImportRun, rader: int, *, partitionerad: bool) -> Leverans:
    """SPOR/NCR, inside atomic(): removes the delivery for the same source and date (if any) and creates the new one.

    Partitioned: only the old Leverans row goes (its partition, no longer reachable by readers, is dropped after
    commit), so nothing here locks readers out of the figure table."""
    gammal = Leverans.objects.select_for_update().filter(kalla=kalla, uttagsdatum=uttagsdatum).first()
    if gammal:
        if partitionerad:
            bulk.rensa_standardpartition([gammal.pk])
            with connection.cursor() as cursor:  # no ORM cascade: that would DELETE the partition's rows one by one
                cursor.execute(f"DELETE FROM {Leverans._meta.db_table} WHERE id = %s", [gammal.pk])  # noqa: S608
        else:
            Matvarde.objects.filter(leverans=gammal).delete()
            gammal.delete()
        run.meddelande = f"Ersatte tidigare leverans för {uttagsdatum}."
    return Leverans.objects.create(
        kalla=kalla, uttagsdatum=uttagsdatum, checksumma=run.checksumma, import_run=run, rader=rader
    )


def _enheter_och_kva(ren: RegisterRader) -> dict[str, int]:
    """Creates unknown KVÅ groups and register-only units; returns HSA-id → unit id (one query each way)."""
    kva_koder = {str(k) for k in ren.kva.varden}
    kanda = set(KvaGrupp.objects.filter(kod__in=kva_koder).values_list("kod", flat=True))
    KvaGrupp.objects.bulk_create([KvaGrupp(kod=k) for k in sorted(kva_koder - kanda)], ignore_conflicts=True)
    forsta = np.flatnonzero(~pd.Series(ren.hsa.koder).duplicated().to_numpy())  # first row of each HSA-id
    enheter = {
        hsa: (namn, region)
        for hsa, namn, region in zip(
            ren.hsa.varden[ren.hsa.koder[forsta]],
            ren.namn.varden[ren.namn.koder[forsta]],
            ren.region.varden[ren.region.koder[forsta]],
            strict=True,
        )
        if hsa
    }
    karta = dict(Vardenhet.objects.filter(hsa_id__in=list(enheter)).values_list("hsa_id", "id"))
    nya = [h for h in enheter if h not in karta]
    if nya:
        Vardenhet.objects.bulk_create(
            [
                Vardenhet(hsa_id=h, namn=enheter[h][0] or h, region_id=enheter[h][1], kalla=Vardenhet.Kalla.REGISTER)
                for h in nya
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        karta.update(Vardenhet.objects.filter(hsa_id__in=nya).values_list("hsa_id", "id"))
    return karta


def _skriv_register(ren: RegisterRader, kalla: str, uttagsdatum: date, run: ImportRun) -> None:
    run.uttagsdatum = uttagsdatum
    partitionerad = bulk.partitionerad()
    if partitionerad:
        bulk.stada_partitioner()  # what an earlier run could not drop (a reader held the table)
    with transaction.atomic():
        bulk.las_registerskrivning()  # first, before any lock on the figure table: one register write at a time
        if _redan_inlast(kalla, run):  # the same content, written by a run that held the lock before this one
            return
        senaste = Leverans.objects.filter(kalla=kalla).order_by("-uttagsdatum").first()
        leverans = _ersatt_leverans(kalla, uttagsdatum, run, len(ren), partitionerad=partitionerad)
        if partitionerad:
            # After commit, when readers no longer reach them: the replaced delivery's and older ones' partitions.
            # Robust: the import is committed by then, so a failing clean-up is logged (and done by the next
            # import), never reported as a failed import.
            transaction.on_commit(bulk.stada_partitioner, robust=True)
        if senaste and senaste.uttagsdatum > uttagsdatum:
            # An older delivery arriving late: record it (and its checksum) but keep showing the newest.
            run.meddelande = MEDDELANDE_ALDRE.format(kalla=kalla, datum=senaste.uttagsdatum)
            return
        karta = _enheter_och_kva(ren)
        kolumner = {
            "leverans_id": Kolumn.konstant(leverans.pk, len(ren)),
            "region_id": ren.region.per_varde(lambda r: None if r == "00" else r),
            "vardenhet_id": ren.hsa.per_varde(karta.get),  # "" (a register total) → None
            "kva_id": ren.kva,
            "matperiod": ren.matperiod,
            "urval": ren.urval,
            "antal": ren.antal,
            "undertryckt": ren.undertryckt,
            "median": ren.median,
            "p90": ren.p90,
            "andel_inom_90": ren.andel_inom_90,
            "andel_asa_3_4": ren.andel_asa_3_4,
        }
        # Older deliveries of this source lose their rows: pages show the newest only (bounded table).
        aldre = list(Leverans.objects.filter(kalla=kalla).exclude(pk=leverans.pk).values_list("pk", flat=True))
        if partitionerad:
            bulk.rensa_standardpartition(aldre)  # their partitions go after commit (on_commit above)
            ordning = bulk.ordning_for_index(ren.kva, ren.matperiod, ren.urval)
            bitar = bulk.copy_binar(kolumner, bulk.reservera_id(len(ren)), ordning)
            bulk.skriv_partition(leverans.pk, bitar, ["id", *kolumner])
        else:
            Matvarde.objects.filter(leverans_id__in=aldre).delete()
            _bulk_create(kolumner)


def _bulk_create(kolumner: dict[str, Kolumn]) -> None:
    """The embedded (SQLite) path: small demo files, plain ORM inserts."""

    def val(v):
        return None if v is None or (isinstance(v, float) and v != v) else v

    serier = {namn: kol.serie() for namn, kol in kolumner.items()}
    objs = [
        Matvarde(**{k: val(v) for k, v in zip(serier, row, strict=True)}) for row in zip(*serier.values(), strict=True)
    ]
    Matvarde.objects.bulk_create(objs, batch_size=BATCH)


def _skriv_vantetider(ren: pd.DataFrame, run: ImportRun) -> None:
    """Months are a series: a delivery replaces the months it contains and keeps the others. A month is replaced
    only by a delivery dated the same as or later than the one that delivered the figures stored for it."""
    manader = [manad_start(m) for m in sorted(ren["manad"].unique())]
    uttagsdatum = (manader[-1].replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    run.uttagsdatum = uttagsdatum
    with transaction.atomic():
        if connection.vendor == "postgresql":  # one monthly import at a time; readers are not blocked
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {VantetidManad._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        leverans = Leverans.objects.select_for_update().filter(kalla=Kalla.VANTETIDER, uttagsdatum=uttagsdatum).first()
        if leverans:
            # A newer file for the same date: the same Leverans row now stands for it, so the months the new file
            # lacks keep their figures (a delete-and-create would cascade to them).
            leverans.checksumma, leverans.import_run, leverans.rader = run.checksumma, run, len(ren)
            leverans.save(update_fields=["checksumma", "import_run", "rader"])
            run.meddelande = f"Ersatte tidigare leverans för {uttagsdatum}."
        else:
            leverans = Leverans.objects.create(
                kalla=Kalla.VANTETIDER,
                uttagsdatum=uttagsdatum,
                checksumma=run.checksumma,
                import_run=run,
                rader=len(ren),
            )
        lagrade = dict(
            VantetidManad.objects.filter(manad__in=manader)
            .values("manad")
            .annotate(datum=Max("leverans__uttagsdatum"))
            .values_list("manad", "datum")
        )
        behallna = {m for m, datum in lagrade.items() if datum > uttagsdatum}
        ersatta = [m for m in manader if m not in behallna]
        VantetidManad.objects.filter(manad__in=ersatta).delete()
        # Rows checked by granska_vantetider; pandas types each cell only as "some scalar".
        rader: Iterable[Any] = ren.itertuples(index=False)
        VantetidManad.objects.bulk_create(
            [
                VantetidManad(
                    leverans=leverans,
                    manad=manad,
                    region_id=None if r.region_kod == "00" else r.region_kod,
                    typ=r.typ,
                    vardomrade=r.vardomrade,
                    antal_vantande=r.antal_vantande,
                    antal_vantande_over_90=r.antal_vantande_over_90,
                    antal_nytillkomna=r.antal_nytillkomna,
                    antal_genomforda=r.antal_genomforda,
                )
                for r in rader
                if (manad := manad_start(r.manad)) not in behallna
            ],
            batch_size=BATCH,
        )
    if behallna:
        lista = ", ".join(f"{m:%Y-%m}" for m in sorted(behallna))
        run.meddelande = " ".join(
            t
            for t in (
                run.meddelande,
                f"{len(behallna)} av {len(manader)} månader behölls eftersom en nyare leverans redan har lämnat "
                f"dem: {lista}. Filen registrerades, men de månaderna ersattes inte.",
            )
            if t
        )
