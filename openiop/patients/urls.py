from django.urls import path

from . import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_add, name="add"),
    path("<uuid:patient_uuid>/", views.chart, name="chart"),
    path("<uuid:patient_uuid>/break-glass/", views.break_glass, name="break_glass"),
    path("break-glass/<uuid:access_uuid>/review/", views.break_glass_review_view, name="review_break_glass"),
]
