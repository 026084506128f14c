"""System checks that stop an unsafe production start."""

from django.conf import settings
from django.core.checks import Error, register

from vardformedling.auth import stub_tillaten


@register(deploy=False)
def stub_login_not_in_production(app_configs, **kwargs):
    if settings.AUTH_MODE == "stub" and not stub_tillaten():
        return [
            Error(
                "Inloggningsattrappen (AUTH_MODE=stub) är påslagen med DEBUG av.",
                hint="Använd AUTH_MODE=oidc i produktion, eller sätt SITHS_STUB_ALLOWED=1 för en demomiljö.",
                id="vardformedling.E001",
            )
        ]
    return []
