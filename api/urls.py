"""URLs of the open API: everything under /api/v1/ (endpoints, /api/v1/openapi.json and /api/v1/docs)."""

from django.urls import path

from api.v1 import api

urlpatterns = [path("", api.urls)]
