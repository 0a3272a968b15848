"""The director's dashboard, its people lists, CSV exports and the monthly report (included by urls.py)."""

from django.urls import path

from . import views_dashboard as views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("people/", views.people, name="people"),
    path("people/export.csv", views.export_people, name="people_export"),
    path("export/<slug:table>.csv", views.export_table, name="export"),
    path("report.pdf", views.monthly_report, name="report"),
]
