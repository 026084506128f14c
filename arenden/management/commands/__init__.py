"""The cases app's management commands (gallra)."""
