from django.urls import path

from . import urls_outcomes
from .views import administrations, alerts, program

app_name = "measures"
urlpatterns = [
    path("patients/<uuid:patient_uuid>/", administrations.patient_home, name="patient_home"),
    path("patients/<uuid:patient_uuid>/enter/", administrations.enter_choose, name="enter_choose"),
    path("patients/<uuid:patient_uuid>/enter/<str:code>/", administrations.enter, name="enter"),
    path(
        "administrations/<uuid:administration_uuid>/",
        administrations.administration_detail,
        name="administration_detail",
    ),
    path(
        "administrations/<uuid:administration_uuid>/entered-in-error/",
        administrations.administration_in_error,
        name="administration_in_error",
    ),
    path(
        "administrations/<uuid:administration_uuid>/share/",
        administrations.administration_share_view,
        name="administration_share",
    ),
    path("alerts/", alerts.alert_list, name="alert_list"),
    path("alerts/<uuid:alert_uuid>/", alerts.alert_detail, name="alert_detail"),
    path("alerts/<uuid:alert_uuid>/close/", alerts.alert_close_view, name="alert_close"),
    path("programs/<uuid:program_uuid>/schedules/", program.schedules, name="schedules"),
    path("programs/<uuid:program_uuid>/cover/", program.cover, name="cover"),
    path("programs/<uuid:program_uuid>/cover/on-call/", program.on_call_set_view, name="on_call_set"),
    path(
        "programs/<uuid:program_uuid>/cover/on-call/<uuid:entry_uuid>/remove/",
        program.on_call_clear_view,
        name="on_call_clear",
    ),
    path("programs/<uuid:program_uuid>/cover/away/", program.absence_add, name="absence_add"),
    path(
        "programs/<uuid:program_uuid>/cover/away/<uuid:absence_uuid>/remove/",
        program.absence_remove_view,
        name="absence_remove",
    ),
    *urls_outcomes.urlpatterns,
]
