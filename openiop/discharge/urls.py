from django.urls import path

from . import views

app_name = "discharge"

urlpatterns = [
    path("episodes/<uuid:episode_uuid>/start/", views.discharge_start_view, name="start"),
    path("<uuid:discharge_uuid>/", views.discharge_detail, name="detail"),
    path("<uuid:discharge_uuid>/edit/", views.discharge_edit, name="edit"),
    path("<uuid:discharge_uuid>/aftercare/", views.aftercare_add_view, name="aftercare_add"),
    path("aftercare/<uuid:appointment_uuid>/remove/", views.aftercare_remove_view, name="aftercare_remove"),
    path("<uuid:discharge_uuid>/waive/", views.waive_view, name="waive"),
    path("<uuid:discharge_uuid>/close/", views.close_view, name="close"),
]
