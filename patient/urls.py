"""The patient's pages (/patient/), separate from the staff pages and their sign-in."""

from django.conf import settings
from django.urls import include, path

from patient import oidc, views

app_name = "patient"
urlpatterns = [
    path("", views.start, name="start"),
    path("logga-in/", views.logga_in_vy, name="logga_in"),
    path("logga-ut/", views.logga_ut_vy, name="logga_ut"),
    path("kontakta-mig/", views.kontakt, name="kontakt"),
    path("arenden/<str:case_id>/", views.arende, name="arende"),
    path("arenden/<str:case_id>/svar/", views.svara, name="svara"),
]

if settings.AUTH_MODE == "oidc":
    urlpatterns.append(
        path(
            "oidc/",
            include(
                [
                    path("logga-in/", oidc.starta, name="oidc_starta"),
                    path("svar/", oidc.callback, name="oidc_svar"),
                ]
            ),
        )
    )
