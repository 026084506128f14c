"""URLs of the lägesbild (/lagesbild/): the table, the unit view, Väntetidsdatabasen and the register imports."""

from django.urls import path

from lagesbild import views, views_import

app_name = "lagesbild"
urlpatterns = [
    path("", views.tabell_view, name="tabell"),
    path("kva/", views.kva_forslag, name="kva_forslag"),
    path("enheter/<str:hsa_id>/", views.enhet_view, name="enhet"),
    path("vantetider/", views.vantetider_view, name="vantetider"),
    path("importer/", views_import.importer_view, name="importer"),
    path("importer/ladda-upp/", views_import.ladda_upp, name="ladda_upp"),
    path("importer/kor/", views_import.kor_inkorgen, name="kor_inkorgen"),
    path("importer/status/<str:task_id>/", views_import.uppgift_status, name="uppgift_status"),
]
