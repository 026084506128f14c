from django.apps import AppConfig


class KatalogConfig(AppConfig):
    name = "katalog"
