"""The case fixtures of tests/arenden (a navigator, a receiving unit with an agreement line, cases in each step)."""

from tests.arenden.conftest import (  # noqa: F401 - fixtures, found by pytest through this module's namespace
    arende_i_steg,
    avtalsrad,
    lots,
    lots_uppdrag,
    mottagande_enhet,
    mottagare,
    mottagare_uppdrag,
    registrera,
)
