"""Hitta vårdgivare as an app of its own: it reads katalog, avtal and lagesbild only through their api.py."""

from django.apps import AppConfig


class SokConfig(AppConfig):
    name = "sok"
    verbose_name = "Hitta vårdgivare"
