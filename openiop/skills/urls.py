from django.urls import path

from .views import curriculum, patients, sessions

app_name = "skills"
urlpatterns = [
    path("", curriculum.curriculum, name="curriculum"),
    path("load/", curriculum.curriculum_load, name="curriculum_load"),
    path("modules/new/", curriculum.module_add, name="module_add"),
    path("modules/<uuid:module_uuid>/", curriculum.module_detail, name="module_detail"),
    path("modules/<uuid:module_uuid>/edit/", curriculum.module_edit, name="module_edit"),
    path("modules/<uuid:module_uuid>/lessons/new/", curriculum.lesson_add, name="lesson_add"),
    path("lessons/<uuid:lesson_uuid>/", curriculum.lesson_detail, name="lesson_detail"),
    path("lessons/<uuid:lesson_uuid>/edit/", curriculum.lesson_edit, name="lesson_edit"),
    path("sessions/", sessions.sessions, name="sessions"),
    path("sessions/<uuid:session_uuid>/", sessions.session_detail, name="session"),
    path("sessions/<uuid:session_uuid>/homework/", sessions.session_homework, name="session_homework"),
    path("patients/<uuid:patient_uuid>/", patients.patient_skills, name="patient"),
    path("patients/<uuid:patient_uuid>/homework/new/", patients.homework_add, name="homework_add"),
    path("patients/<uuid:patient_uuid>/practice/new/", patients.practice_add, name="practice_add"),
    path("homework/<uuid:homework_uuid>/outcome/", patients.homework_outcome, name="homework_outcome"),
]
