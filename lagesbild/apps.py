from django.apps import AppConfig


class LagesbildConfig(AppConfig):
    name = "lagesbild"
