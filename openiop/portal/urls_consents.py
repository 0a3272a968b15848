"""Portal URLs of the "consents" part (included by urls.py): the patient's consents, and signing one."""

from django.urls import path

from . import views_consents

urlpatterns = [
    path("consents/", views_consents.consents, name="consents"),
    path("consents/<uuid:consent_uuid>/", views_consents.consent_sign, name="consent_sign"),
]
