"""App config of the open API."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Öppet API"
    default_auto_field = "django.db.models.BigAutoField"
