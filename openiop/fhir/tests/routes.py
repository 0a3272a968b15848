"""The FHIR endpoints in the page role walk (core/tests/test_role_walk.py), as a signed-in browser sees them.

FHIR answers OperationOutcomes, not redirects: an anonymous caller gets 401 (not the sign-in page), and a
search about a patient's record without `patient=` is a 400 once the gate is passed. The same table with
bearer tokens, and the other interactions, are in test_access.py.
"""

from openiop.core.tests.roles import CLINICAL, ROLES, only
from openiop.measures.tests.routes import PHQ9_CALM, record

CHART_READERS = ("alice", "paul", "ivan", "dana")  # bob must break the glass, which FHIR refuses


def walk_table(*allowed, **special):
    """`only(...)`, with 401 for the anonymous caller."""
    return only(*allowed, anonymous="status 401", **special)


def searching_without_patient():
    return walk_table(**{role: "status 400" for role in CLINICAL})


def administration(w):
    if not hasattr(w, "fhir_administration"):
        w.fhir_administration = record(w, PHQ9_CALM).administration
    return w.fhir_administration


def active_episode(w):
    return w.patient_a.episodes.get(status="active")


ROUTES = {
    "fhir:metadata": ("get", lambda w: {}, only(*ROLES)),
    "fhir:patient_type": ("get", lambda w: {}, walk_table(*CLINICAL)),
    "fhir:patient_read": ("get", lambda w: {"resource_id": w.patient_a.uuid}, walk_table(*CHART_READERS)),
    "fhir:episode_type": ("get", lambda w: {}, searching_without_patient()),
    "fhir:episode_read": (
        "get",
        lambda w: {"resource_id": active_episode(w).uuid},
        walk_table(*CHART_READERS),
    ),
    "fhir:care_team_type": ("get", lambda w: {}, searching_without_patient()),
    "fhir:care_team_read": (
        "get",
        lambda w: {"resource_id": active_episode(w).uuid},
        walk_table(*CHART_READERS),
    ),
    "fhir:questionnaire_type": ("get", lambda w: {}, walk_table(*CLINICAL)),
    "fhir:questionnaire_read": ("get", lambda w: {"resource_id": "phq-9"}, walk_table(*CLINICAL)),
    "fhir:questionnaire_response_type": ("get", lambda w: {}, searching_without_patient()),
    "fhir:questionnaire_response_read": (
        "get",
        lambda w: {"resource_id": administration(w).uuid},
        walk_table(*CHART_READERS),
    ),
    "fhir:observation_type": ("get", lambda w: {}, searching_without_patient()),
    "fhir:observation_read": (
        "get",
        lambda w: {"resource_id": administration(w).uuid},
        walk_table(*CHART_READERS),
    ),
}
