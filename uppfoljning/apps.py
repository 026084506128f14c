"""Follow-up statistics of brokering as an app of its own: it reads cases through arenden.api."""

from django.apps import AppConfig


class UppfoljningConfig(AppConfig):
    name = "uppfoljning"
    verbose_name = "Uppföljning"
