"""Portal URLs of the "access" part (included by urls.py): inviting (staff), accepting, settings."""

from django.urls import path

from . import views_access

urlpatterns = [
    path("invite/<uuid:patient_uuid>/", views_access.invite_create, name="invite_create"),
    path("invitation/<str:token>/", views_access.invite_accept, name="invite_accept"),
    path("settings/", views_access.settings_page, name="settings"),
]
