"""Reading and validating register files (shared/formats/REGISTER_FILES.md), vectorised with pandas and NumPy.

Split by concern: `kallor` (the three sources: columns, selections, periods, file names, which source a header is),
`lasning` (reading the CSV with pyarrow into dictionary-encoded columns, physical line numbers), `granskare` (the
vectorised checker that collects every error) and `granskning` (the rules of SPOR/NCR and Väntetidsdatabasen).
The error type and the rejection are the kernel's (vardformedling.importering); the names below are this
package's public face, used by the importer, the pages, the bench and the tests.
"""

from lagesbild.validering.granskare import FEL_KOLUMN_SAKNAS, FEL_UNDER_5, kontrollera_kolumner
from lagesbild.validering.granskning import (
    FEL_NOLL_MED_STATISTIK,
    RegisterRader,
    granska_register,
    granska_vantetider,
)
from lagesbild.validering.kallor import (
    FEL_OKAND_KALLA,
    FEL_TVETYDIG_KALLA,
    FONSTER,
    KANDA_KOLUMNER,
    KOLUMNER,
    UNDERTRYCKT,
    URVAL,
    identifiera_kalla,
    kalla_enligt_filnamn,
)
from lagesbild.validering.lasning import (
    FEL_EJ_CSV,
    FEL_FALTANTAL,
    FEL_KODNING,
    FEL_KODNING_VARDE,
    FEL_KOLUMN_DUBBEL,
    FEL_TOM,
    FEL_ZIP,
    MAX_FEL,
    Kolumn,
    Tabell,
    fysiska_rader,
    las_csv,
)
from vardformedling.importering.fel import FilAvvisad
from vardformedling.importering.fel import Importfel as Fel

__all__ = [
    "FEL_EJ_CSV",
    "FEL_FALTANTAL",
    "FEL_KODNING",
    "FEL_KODNING_VARDE",
    "FEL_KOLUMN_DUBBEL",
    "FEL_KOLUMN_SAKNAS",
    "FEL_NOLL_MED_STATISTIK",
    "FEL_OKAND_KALLA",
    "FEL_TOM",
    "FEL_TVETYDIG_KALLA",
    "FEL_UNDER_5",
    "FEL_ZIP",
    "FONSTER",
    "KANDA_KOLUMNER",
    "KOLUMNER",
    "MAX_FEL",
    "UNDERTRYCKT",
    "URVAL",
    "Fel",
    "FilAvvisad",
    "Kolumn",
    "RegisterRader",
    "Tabell",
    "fysiska_rader",
    "granska_register",
    "granska_vantetider",
    "identifiera_kalla",
    "kalla_enligt_filnamn",
    "kontrollera_kolumner",
    "las_csv",
]
