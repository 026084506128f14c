from django.urls import path

from katalog import views, views_import, views_kapacitet

app_name = "katalog"
urlpatterns = [
    path("sok/", views.sok_view, name="sok"),
    path("enheter/<str:hsa_id>/", views.enhet_view, name="enhet"),
    path("kapacitet/", views_kapacitet.lista_view, name="kapacitet"),
    path("kapacitet/ny/", views_kapacitet.ny_view, name="kapacitet_ny"),
    path("kapacitet/<int:pk>/aterkalla/", views_kapacitet.aterkalla_view, name="kapacitet_aterkalla"),
    path("import/", views_import.import_view, name="import"),
    path("import/<int:pk>/", views_import.import_visa, name="import_visa"),
    path("import/<int:pk>/bekrafta/", views_import.import_bekrafta, name="import_bekrafta"),
    path("import/<int:pk>/avbryt/", views_import.import_avbryt, name="import_avbryt"),
]
