"""Management commands of the cases app."""
