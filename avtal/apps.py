from django.apps import AppConfig


class AvtalConfig(AppConfig):
    name = "avtal"
