"""App config of the open API."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Öppet API"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from api.models import ApiToken
        from vardformedling.referensdata import bevaka

        bevaka(ApiToken, "api_token")  # each process keeps the valid tokens (hashes only) until one is written
