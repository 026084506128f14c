from django.urls import path

from arenden.uppfoljning import tasks as _tasks  # noqa: F401 - registers the monthly task where URLs are loaded
from arenden.uppfoljning import views

app_name = "uppfoljning"
urlpatterns = [
    path("", views.uppfoljning, name="sida"),
    path("rapporter/<str:filnamn>", views.rapport_ladda_ner, name="rapport"),
]
