"""URLs of the follow-up statistics (/uppfoljning/)."""

from django.urls import path

from uppfoljning import views

app_name = "uppfoljning"
urlpatterns = [
    path("", views.uppfoljning, name="sida"),
    path("rapporter/<str:filnamn>", views.rapport_ladda_ner, name="rapport"),
]
