"""Portal URLs of the "questionnaires" part (included by urls.py)."""

from django.urls import path

from . import views_questionnaires as views

urlpatterns = [
    path("questionnaires/", views.questionnaires, name="questionnaires"),
    path(
        "questionnaires/start/<str:code>/<str:occasion>/",
        views.questionnaire_start,
        name="questionnaire_start",
    ),
    path(
        "questionnaires/<uuid:draft_uuid>/<int:number>/",
        views.questionnaire_step,
        name="questionnaire_step",
    ),
    path("questionnaires/thanks/", views.questionnaire_thanks, name="questionnaire_thanks"),
]
