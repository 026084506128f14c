"""Models: see the app docstring in DESIGN.md §3."""
