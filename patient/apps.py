"""The patient's own pages (issue 18): sign-in with e-legitimation, my cases, "Var är jag?", offers and answers."""

from django.apps import AppConfig


class PatientConfig(AppConfig):
    name = "patient"
    verbose_name = "Patientens sidor"
