"""URLs of Hitta vårdgivare: /katalog/sok/ and /katalog/enheter/<hsa_id>/ (names katalog:sok, katalog:enhet).

No app_name: vardformedling/urls.py mounts these under /katalog/ in the namespace "katalog" together with the
catalogue's own patterns, so the URLs and their names stay what they were before the search had its own app."""

from django.urls import path

from sok import views, views_fordelning

urlpatterns = [
    path("sok/", views.sok_view, name="sok"),
    path("enheter/<str:hsa_id>/", views.enhet_view, name="enhet"),
    path("fordelning/", views_fordelning.fordelning, name="fordelning"),
    path("fordelning/skicka/", views_fordelning.skicka, name="fordelning_skicka"),
]
