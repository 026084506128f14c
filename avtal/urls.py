"""URLs of the agreements (/avtal/): list, detail, upload and reported volume."""

from django.urls import path

from avtal import views, views_samverkan, views_uppladdning, views_volym

app_name = "avtal"
urlpatterns = [
    path("", views.lista, name="lista"),
    path("uppladdning/", views_uppladdning.uppladdning, name="uppladdning"),
    path("uppladdning/<int:pk>/", views_uppladdning.uppladdning_visa, name="uppladdning_visa"),
    path("uppladdning/<int:pk>/bekrafta/", views_uppladdning.uppladdning_bekrafta, name="uppladdning_bekrafta"),
    path("uppladdning/<int:pk>/avbryt/", views_uppladdning.uppladdning_avbryt_view, name="uppladdning_avbryt"),
    path("volym/uppladdning/", views_volym.uppladdning, name="volym_uppladdning"),
    path("volym/uppladdning/bekrafta/", views_volym.uppladdning_bekrafta, name="volym_uppladdning_bekrafta"),
    path("volym/<int:pk>/rapportera/", views_volym.rapportera, name="volym_rapportera"),
    path("samverkan/<int:pk>/", views_samverkan.samverkan, name="samverkan"),
    # Agreement ids are diarienummer and may contain "/" and spaces.
    path("<path:avtal_id>/", views.detalj, name="detalj"),
]
