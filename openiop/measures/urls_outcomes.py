"""Trajectory and outcomes pages (included by urls.py)."""

from django.urls import path

from .views import outcomes, trajectory

urlpatterns = [
    path(
        "patients/<uuid:patient_uuid>/trajectories/<str:instrument_code>/",
        trajectory.trajectory_detail,
        name="trajectory_detail",
    ),
    path("outcomes/", outcomes.outcomes_index, name="outcomes_index"),
    path("outcomes/export.csv", outcomes.outcomes_export, name="outcomes_export"),
]
