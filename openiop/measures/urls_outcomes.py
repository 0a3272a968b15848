"""Trajectory and outcomes pages (included by urls.py)."""

urlpatterns = []
