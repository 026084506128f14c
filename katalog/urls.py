"""URLs of the catalogue under /katalog/: capacity announcements and catalogue upload.

No app_name: the namespace "katalog" is set in vardformedling/urls.py, where these patterns and sok's (the search and
the unit page, also under /katalog/) are joined, so neither app imports the other."""

from django.urls import path

from katalog import views_import, views_kapacitet, views_kva

urlpatterns = [
    path("kapacitet/", views_kapacitet.lista_view, name="kapacitet"),
    path("kapacitet/ny/", views_kapacitet.ny_view, name="kapacitet_ny"),
    path("kapacitet/<int:pk>/aterkalla/", views_kapacitet.aterkalla_view, name="kapacitet_aterkalla"),
    path("kva/namnge/", views_kva.namnge_view, name="kva_namnge"),
    path("import/", views_import.import_view, name="import"),
    path("import/<int:pk>/", views_import.import_visa, name="import_visa"),
    path("import/<int:pk>/bekrafta/", views_import.import_bekrafta, name="import_bekrafta"),
    path("import/<int:pk>/avbryt/", views_import.import_avbryt, name="import_avbryt"),
]
