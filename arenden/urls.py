"""URLs of the cases (/arenden/): worklist, new case, access-log review, the case page and its actions."""

from django.urls import path

from arenden.patientkanal import views as patientkanal
from arenden.vantelista import views as vantelista
from arenden.views import arende, avvikelser, erbjudanden, faktura, inkorg, lista, nytt

app_name = "arenden"
urlpatterns = [
    path("", lista.arende_lista, name="lista"),
    path("nytt/", nytt.arende_nytt, name="nytt"),
    path("logg/", lista.loggkontroll, name="logg"),
    path("vantelista/", vantelista.vantelista, name="vantelista"),
    path("vantelista/arenden/", vantelista.skapa_arenden, name="vantelista_arenden"),
    path("vantelista/uppladdning/<uuid:token>/", vantelista.forhandsvisning, name="vantelista_forhandsvisning"),
    path("vantelista/uppladdning/<uuid:token>/bekrafta/", vantelista.bekrafta, name="vantelista_bekrafta"),
    path("avrakning/", faktura.avrakning_sida, name="avrakning"),
    path("inkorg/", inkorg.inkorg, name="inkorg"),
    path("inkorg/<str:pk>/", inkorg.remiss_oppna, name="remiss"),
    path("inkorg/<str:pk>/kvittera/", inkorg.remiss_kvittera, name="remiss_kvittera"),
    path("patientmallar/", patientkanal.patientmallar, name="patientmallar"),
    path("<str:case_id>/", arende.arende_visa, name="arende"),
    path("<str:case_id>/faktura/", faktura.faktura_ny, name="faktura_ny"),
    path("<str:case_id>/faktura/beslut/", faktura.faktura_beslut, name="faktura_beslut"),
    path("<str:case_id>/avvikelser/", avvikelser.avvikelse_ny, name="avvikelse"),
    path("<str:case_id>/atgard/<slug:namn>/", arende.arende_atgard, name="atgard"),
    path("<str:case_id>/anteckningar/", arende.anteckning_ny, name="anteckning"),
    path("<str:case_id>/erbjudanden/nytt/", erbjudanden.erbjudande_nytt, name="erbjudande_nytt"),
    path("<str:case_id>/meddelanden/<int:pk>/", patientkanal.meddelande_utskrift, name="patientmeddelande"),
    path("<str:case_id>/erbjudanden/<int:pk>/brev/", erbjudanden.erbjudande_brev, name="brev"),
]
