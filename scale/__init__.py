"""Synthetic national-scale data (seed_scale) and its file generators. Used by benchmarks and scale tests."""

MARKOR = "SYN"  # in synthetic unit HSA-ids (-SYN00001), agreement ids (SYN-01-00001) and user HSA-ids (-SYNVL01)
