"""The kernel's app config: registers the system checks."""

from django.apps import AppConfig


class VardformedlingConfig(AppConfig):
    name = "vardformedling"
    verbose_name = "Vårdförmedlingstjänsten"

    def ready(self) -> None:
        from vardformedling import checks  # noqa: F401  (registers system checks)
