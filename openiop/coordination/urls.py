from django.urls import path

from . import views

app_name = "coordination"
urlpatterns = [
    path("providers/", views.provider_list, name="provider_list"),
    path("providers/new/", views.provider_create, name="provider_create"),
    path("providers/<uuid:provider_uuid>/edit/", views.provider_edit, name="provider_edit"),
    path("patients/<uuid:patient_uuid>/", views.patient_home, name="patient_home"),
    path(
        "patients/<uuid:patient_uuid>/external-team/new/",
        views.external_member_add,
        name="external_member_add",
    ),
    path("external-team/<uuid:member_uuid>/end/", views.external_member_end, name="external_member_end"),
    path("patients/<uuid:patient_uuid>/consents/new/", views.consent_create, name="consent_create"),
    path("patients/<uuid:patient_uuid>/disclosures/", views.accounting, name="accounting"),
    path("patients/<uuid:patient_uuid>/disclosures.csv", views.accounting_csv, name="accounting_csv"),
    path("patients/<uuid:patient_uuid>/send-summary/", views.send_summary, name="send_summary"),
    path("consents/<uuid:consent_uuid>/", views.consent_detail, name="consent_detail"),
    path("consents/<uuid:consent_uuid>/revoke/", views.consent_revoke, name="consent_revoke"),
    path("consents/<uuid:consent_uuid>/scan/", views.consent_scan, name="consent_scan"),
    path(
        "transmissions/<uuid:transmission_uuid>/retry/",
        views.transmission_retry,
        name="transmission_retry",
    ),
]
