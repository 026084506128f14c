"""The lägesbild's app config."""

from django.apps import AppConfig


class LagesbildConfig(AppConfig):
    name = "lagesbild"
