from django.urls import path

from . import views

app_name = "safety"
urlpatterns = [
    path("patients/<uuid:patient_uuid>/<slug:kind>/", views.plan_home, name="plan_home"),
    path("patients/<uuid:patient_uuid>/<slug:kind>/new/", views.plan_create_view, name="plan_create"),
    path("plans/<uuid:plan_uuid>/", views.plan_detail, name="plan_detail"),
    path("plans/<uuid:plan_uuid>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<uuid:plan_uuid>/sign/", views.plan_sign_view, name="plan_sign"),
    path("plans/<uuid:plan_uuid>/revise/", views.plan_revise_view, name="plan_revise"),
    path("plans/<uuid:plan_uuid>/pdf/", views.plan_pdf, name="plan_pdf"),
]
