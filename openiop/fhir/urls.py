from django.urls import path, register_converter

from . import views, views_inbound, views_records


class FhirIdConverter:
    """FHIR ids: letters, digits, "-" and ".", up to 64 characters."""

    regex = r"[A-Za-z0-9\-\.]{1,64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return str(value)


register_converter(FhirIdConverter, "fhirid")

app_name = "fhir"
urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("Patient", views.patient_type, name="patient_type"),
    path("Patient/<fhirid:resource_id>", views.patient_read, name="patient_read"),
    path(
        "Patient/<fhirid:resource_id>/$everything",
        views_inbound.patient_everything,
        name="patient_everything",
    ),
    path("Bundle", views_inbound.bundle_create, name="bundle_type"),
    path("EpisodeOfCare", views.episode_type, name="episode_type"),
    path("EpisodeOfCare/<fhirid:resource_id>", views.episode_read, name="episode_read"),
    path("CareTeam", views.care_team_type, name="care_team_type"),
    path("CareTeam/<fhirid:resource_id>", views.care_team_read, name="care_team_read"),
    path("Questionnaire", views.questionnaire_type, name="questionnaire_type"),
    path("Questionnaire/<fhirid:resource_id>", views.questionnaire_read, name="questionnaire_read"),
    path("QuestionnaireResponse", views.questionnaire_response_type, name="questionnaire_response_type"),
    path(
        "QuestionnaireResponse/<fhirid:resource_id>",
        views.questionnaire_response_read,
        name="questionnaire_response_read",
    ),
    path("Observation", views.observation_type, name="observation_type"),
    path("Observation/<fhirid:resource_id>", views.observation_read, name="observation_read"),
    path("CarePlan", views.care_plan_type, name="care_plan_type"),
    path("CarePlan/<fhirid:resource_id>", views.care_plan_read, name="care_plan_read"),
    path("Goal", views.goal_type, name="goal_type"),
    path("Goal/<fhirid:resource_id>", views.goal_read, name="goal_read"),
    path("Appointment", views.appointment_type, name="appointment_type"),
    path("Appointment/<fhirid:resource_id>", views.appointment_read, name="appointment_read"),
    path("Encounter", views_records.encounter_type, name="encounter_type"),
    path("Encounter/<fhirid:resource_id>", views_records.encounter_read, name="encounter_read"),
    path("Group", views_records.group_type, name="group_type"),
    path("Group/<fhirid:resource_id>", views_records.group_read, name="group_read"),
    path("ServiceRequest", views_records.service_request_type, name="service_request_type"),
    path(
        "ServiceRequest/<fhirid:resource_id>",
        views_records.service_request_read,
        name="service_request_read",
    ),
    path("Consent", views_records.consent_type, name="consent_type"),
    path("Consent/<fhirid:resource_id>", views_records.consent_read, name="consent_read"),
]
