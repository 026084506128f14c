"""Re-wrapping after a key rotation: apps register where they keep wrapped data keys; the kernel never imports them.

An app registers, in its AppConfig.ready():

    from vardformedling.nycklar import omslag

    def identiteter(o: omslag.Omslag) -> int:
        n = 0
        for rad in Identitet.objects.filter(region_id=o.region_kod, nyckelversion__lt=o.version).iterator():
            rad.inslagen_nyckel = o.rewrap(rad.inslagen_nyckel)
            rad.nyckelversion = o.version
            rad.save(update_fields=["inslagen_nyckel", "nyckelversion"])
            n += 1
        return n

    omslag.registrera("arenden.identitet", identiteter)

`rotera(region_kod)` (the `nycklar --rotera RR` command) creates a new key version and then calls every
registered function; `omsla(region_kod)` calls them again without rotating (after an interrupted run: every blob
unwraps under its own version meanwhile, so nothing is ever unreadable). Only the wrapped data keys change; the data
they encrypt is not touched. A function should work in short transactions and be safe to run twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from vardformedling.nycklar.tjanst import Nyckeltjanst, kontrollera_region_kod, nyckeltjanst, nyckelversion

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Omslag:
    """What a registered function gets: the region, the newest key version, and `rewrap`."""

    region_kod: str
    version: int
    tjanst: Nyckeltjanst

    def rewrap(self, inslagen: bytes) -> bytes:
        """`inslagen` under `version` (unchanged when it already is)."""
        return self.tjanst.rewrap(self.region_kod, bytes(inslagen))

    def behover(self, inslagen: bytes) -> bool:
        """Whether `inslagen` is under an older version than `version`."""
        return nyckelversion(bytes(inslagen)) < self.version


OmslagsFunktion = Callable[[Omslag], int]
_registrerade: dict[str, OmslagsFunktion] = {}


def registrera(namn: str, funktion: OmslagsFunktion) -> None:
    """Registers `funktion(omslag) -> number of blobs re-wrapped` under `namn` (registering a name again replaces)."""
    _registrerade[namn] = funktion


def avregistrera(namn: str) -> None:
    _registrerade.pop(namn, None)


def registrerade() -> dict[str, OmslagsFunktion]:
    return dict(_registrerade)


def omsla(region_kod: str, *, tjanst: Nyckeltjanst | None = None) -> dict[str, int]:
    """Runs every registered function for the region's newest version; {name: blobs re-wrapped}."""
    tjanst = tjanst or nyckeltjanst()
    o = Omslag(kontrollera_region_kod(region_kod), tjanst.aktuell_version(region_kod), tjanst)
    resultat = {}
    for namn, funktion in sorted(_registrerade.items()):
        resultat[namn] = funktion(o)
        logger.info("Omslag region %s version %d: %s lade om %d nycklar", region_kod, o.version, namn, resultat[namn])
    return resultat


def rotera(region_kod: str, *, tjanst: Nyckeltjanst | None = None) -> tuple[int, dict[str, int]]:
    """A new key version for the region, then every registered function; (new version, {name: count})."""
    tjanst = tjanst or nyckeltjanst()
    version = tjanst.rotate(kontrollera_region_kod(region_kod))
    return version, omsla(region_kod, tjanst=tjanst)


def enhetsnycklar(o: Omslag) -> int:
    """The kernel's own wrapped keys: units' private keys sealed under their region's key (pkcs11 mode)."""
    from vardformedling.models import Enhetsnyckel

    antal = 0
    rader = Enhetsnyckel.objects.filter(region_kod=o.region_kod, nyckelversion__lt=o.version)
    for rad in rader.only("pk", "privat_inslagen_nyckel", "nyckelversion").iterator():
        # nyckelversion__lt leaves out rows without a version; the version and the wrapped key are written together
        assert rad.privat_inslagen_nyckel is not None
        ny = o.rewrap(bytes(rad.privat_inslagen_nyckel))
        antal += Enhetsnyckel.objects.filter(pk=rad.pk, nyckelversion=rad.nyckelversion).update(
            privat_inslagen_nyckel=ny, nyckelversion=o.version
        )
    return antal
