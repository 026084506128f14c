"""The root URLconf: every app's URLs, included by module name (the kernel imports no app)."""

from django.conf import settings
from django.urls import include, path

from vardformedling import notisvyer, views

handler403 = "vardformedling.views.error_403"
handler404 = "vardformedling.views.error_404"
handler500 = "vardformedling.views.error_500"

urlpatterns = [
    path("", views.start_view, name="start"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("uppdrag/byt/", views.byt_uppdrag, name="byt_uppdrag"),
    path("healthz", views.healthz, name="healthz"),
    path("hjalp/", views.hjalp_view, name="hjalp"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("notiser/", notisvyer.lista, name="notiser"),
    path("notiser/last/", notisvyer.markera_last, name="notiser_last"),
    # Hitta vårdgivare (sok) and the catalogue share /katalog/ and the namespace "katalog" (katalog:sok,
    # katalog:enhet, katalog:kapacitet …): joined here, by module name, so neither app imports the other.
    path("katalog/", include(([path("", include("sok.urls")), path("", include("katalog.urls"))], "katalog"))),
    path("lagesbild/", include("lagesbild.urls")),
    path("avtal/", include("avtal.urls")),
    path("arenden/", include("arenden.urls")),
    path("leveransplaner/", include("arenden.leveransplan.urls")),
    path("uppfoljning/", include("uppfoljning.urls")),
    path("api/v1/", include("api.urls")),
    path("patient/", include("patient.urls")),
]

if settings.AUTH_MODE == "oidc":
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
