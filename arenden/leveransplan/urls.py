"""URLs of the delivery plans (/leveransplaner/): plan against outcome, a new plan, the file upload."""

from django.urls import path

from arenden.leveransplan import views

app_name = "leveransplan"
urlpatterns = [
    path("", views.leveransplaner, name="lista"),
    path("ny/", views.leveransplan_ny, name="ny"),
    path("uppladdning/", views.uppladdning, name="uppladdning"),
    path("uppladdning/bekrafta/", views.uppladdning_bekrafta, name="uppladdning_bekrafta"),
]
