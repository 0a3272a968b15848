from django.urls import path

from . import views

app_name = "transitions"
urlpatterns = [
    path("patients/<uuid:patient_uuid>/medications/", views.medications, name="medications"),
    path("medications/<uuid:medication_uuid>/stop/", views.medication_stop, name="medication_stop"),
    path("episodes/<uuid:episode_uuid>/packet/", views.packet, name="packet"),
]
