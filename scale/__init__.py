"""Seeding, on top of every app: `load_demo` (each app's demo.py) and `seed_scale` with its synthetic-data generators.

Used by `make run`, the benchmarks and the scale tests; no other package imports it (import contract)."""

MARKOR = "SYN"  # in synthetic unit HSA-ids (-SYN00001), agreement ids (SYN-01-00001) and user HSA-ids (-SYNVL01)
