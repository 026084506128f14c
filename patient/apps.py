"""The patient's own pages (issue 18): sign-in with e-legitimation, my cases, "Var är jag?", offers and answers."""

from django.apps import AppConfig


class PatientConfig(AppConfig):
    name = "patient"
    verbose_name = "Patientens sidor"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from patient.session import avsluta_vid_personalinloggning

        user_logged_in.connect(avsluta_vid_personalinloggning, dispatch_uid="patient.avsluta_vid_personalinloggning")
