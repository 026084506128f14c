"""Hitta vårdgivare: the ranked search and the unit page, reading katalog, avtal and lagesbild through their api.py."""
