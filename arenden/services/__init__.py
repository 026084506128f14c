"""Writes and transitions of brokering cases: one keyword-only function per transition.

Every function is atomic, locks the case row, refuses a stale `version` (ANDRAT_AV_ANNAN) and illegal
transitions (Swedish ValidationError), and writes a history row (ArendeHandelse).
"""

from arenden.services._common import ANDRAT_AV_ANNAN, OTILLATEN_OVERGANG
from arenden.services.avslut import arende_avsluta, arende_avsluta_tidigt, avtalspris, uppfoljning_registrera
from arenden.services.bevakning import arende_bevaka, aterringning_boka
from arenden.services.erbjudanden import (
    avtalsrad_hinder,
    avtalsrader_for_erbjudande,
    erbjudande_aterkalla,
    erbjudande_besvara,
    erbjudande_lamna,
)
from arenden.services.fakturering import fakturarad_besluta, fakturarad_registrera
from arenden.services.formedling import (
    DOKUMENT,
    arende_aterremittera,
    arende_overfor,
    remiss_bekrafta,
    resa_registrera,
    vard_utford,
)
from arenden.services.registrering import (
    DubblettFel,
    anteckning_skapa,
    arende_bedom,
    arende_registrera,
    arende_tilldela,
    dubblettkontroll,
    handlaggare_kandidater,
    oppet_dubblett,
    registreringsregion,
)

__all__ = [
    "ANDRAT_AV_ANNAN",
    "DOKUMENT",
    "OTILLATEN_OVERGANG",
    "DubblettFel",
    "anteckning_skapa",
    "arende_aterremittera",
    "arende_avsluta",
    "arende_avsluta_tidigt",
    "arende_bedom",
    "arende_bevaka",
    "arende_overfor",
    "arende_registrera",
    "arende_tilldela",
    "aterringning_boka",
    "avtalspris",
    "avtalsrad_hinder",
    "avtalsrader_for_erbjudande",
    "dubblettkontroll",
    "erbjudande_aterkalla",
    "erbjudande_besvara",
    "erbjudande_lamna",
    "fakturarad_besluta",
    "fakturarad_registrera",
    "handlaggare_kandidater",
    "oppet_dubblett",
    "registreringsregion",
    "remiss_bekrafta",
    "resa_registrera",
    "uppfoljning_registrera",
    "vard_utford",
]
