"""Portal URLs of the "care" part (included by urls.py): skills, progress and my record."""

from django.urls import path

from . import views_care

urlpatterns = [
    path("skills/", views_care.skills, name="skills"),
    path("skills/practice/", views_care.practice_add, name="practice_add"),
    path("skills/homework/<uuid:homework_uuid>/done/", views_care.homework_done, name="homework_done"),
    path("progress/", views_care.progress, name="progress"),
    path("record/", views_care.record, name="record"),
    path("record/my-record.pdf", views_care.record_pdf, name="record_pdf"),
    path("record/my-record.json", views_care.record_fhir, name="record_fhir"),
]
