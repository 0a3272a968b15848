from django.urls import path

from . import views

app_name = "utilization"

urlpatterns = [
    path("", views.authorization_list, name="list"),
    path("episodes/<uuid:episode_uuid>/add/", views.authorization_add, name="add"),
    path("<uuid:authorization_uuid>/edit/", views.authorization_edit, name="edit"),
    path("<uuid:authorization_uuid>/end/", views.authorization_end_view, name="end"),
    path("patients/<uuid:patient_uuid>/review.pdf", views.review_pdf, name="review_pdf"),
]
