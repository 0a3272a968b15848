"""Portal URLs of the "family" part (included by urls.py): the patient's family grants, the family
member's invitation link and their view."""

from django.urls import path

from . import views_family

urlpatterns = [
    path("family/", views_family.family_list, name="family"),
    path("family/<uuid:grant_uuid>/revoke/", views_family.family_revoke, name="family_revoke"),
    path("family-invitation/<str:token>/", views_family.family_accept, name="family_accept"),
    path("family-view/", views_family.family_view, name="family_view"),
]
