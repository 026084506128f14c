"""The seeding app: `load_demo` (each app's demo.py) and `seed_scale` (synthetic national-scale data).

It stands on top of every other app, so the kernel and the apps never import the seeding code."""

from django.apps import AppConfig


class ScaleConfig(AppConfig):
    name = "scale"
    verbose_name = "Demodata och syntetiska data"
