from django.urls import path

from . import views_compliance

urlpatterns = [
    path("compliance/", views_compliance.compliance_index, name="compliance"),
    path("compliance/export.csv", views_compliance.compliance_export, name="compliance_export"),
]
