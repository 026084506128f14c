"""The importer framework shared by the catalogue, agreement and register-file importers.

One error type (`Importfel`: file, line, column, message) and one rejection (`FilAvvisad`); one upload guard for
every file a user or a command hands in (`vakt`: size, type by content, XLSX bombs); one reader for the format rules
of catalogue and agreement files (`lasning`: `;`, BOM, header case/order/spaces, unknown columns ignored); per-column
checks that collect every error of a file (`kolumner`); and one way to preview and apply (`forhandsvisning`).
Each app keeps its own columns and rules; register files keep their vectorised reader (lagesbild.validering)."""

from vardformedling.importering.fel import FilAvvisad, Importfel

__all__ = ["FilAvvisad", "Importfel"]
