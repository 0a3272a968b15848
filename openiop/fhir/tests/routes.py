"""The FHIR endpoints in the page role walk (core/tests/test_role_walk.py), as a signed-in browser sees them.

FHIR answers OperationOutcomes, not redirects: an anonymous caller gets 401 (not the sign-in page), and a
search about a patient's record without `patient=` is a 400 once the gate is passed. The same table with
bearer tokens, and the other interactions, are in test_access.py.
"""

from openiop.core.tests.roles import CLINICAL, ROLES, only
from openiop.measures.tests.routes import PHQ9_CALM, record

from . import records

CHART_READERS = ("alice", "paul", "ivan", "dana")  # bob must break the glass, which FHIR refuses
INTAKE_READERS = ("ivan", "dana")  # intake.work_referrals and intake.view_referral, and the chart
ROSTER_READERS = ("dana",)  # scheduling.manage_groups and change_roster: the program's director
PLAN_READERS = ("alice", "paul", "dana")  # treatment.view_plan: the care team and the director
PLAN_GATE = ("alice", "bob", "paul", "dana", "charlie")  # treatment.view_plans: treating roles, directors


def walk_table(*allowed, **special):
    """`only(...)`, with 401 for the anonymous caller."""
    return only(*allowed, anonymous="status 401", **special)


def searching_without_patient():
    return walk_table(**{role: "status 400" for role in CLINICAL})


def plan_searching_without_patient():
    return walk_table(**{role: "status 400" for role in PLAN_GATE})


def active_plan(w):
    if not hasattr(w, "fhir_plan"):
        from openiop.treatment.tests.factories import active_plan_of

        w.fhir_plan = active_plan_of(w)
    return w.fhir_plan


def plan_goal(w):
    return active_plan(w).problems.get().goals.get()


def group_booking(w):
    """patient_a's booking in a group session led by alice (the walk's session, or one made here)."""
    if not hasattr(w, "session"):
        import datetime

        from openiop.scheduling.models import Session, SessionAttendee, SessionKind, SessionType

        session_type, _ = SessionType.objects.get_or_create(
            name="Group therapy", defaults={"kind": SessionKind.GROUP_THERAPY, "default_minutes": 180}
        )
        w.session = Session.objects.create(
            program=w.program_a,
            session_type=session_type,
            date=datetime.date(2026, 11, 16),
            start_time=datetime.time(9),
            end_time=datetime.time(12),
        )
        w.session.clinicians.set([w.alice])
        SessionAttendee.objects.create(session=w.session, episode=active_episode(w))
    return w.session.attendees.get(episode__patient=w.patient_a)


def booking(w):
    """The Appointment id of patient_a's group booking."""
    attendee = group_booking(w)
    return f"{w.session.uuid}.{attendee.pk}"


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
    "fhir:care_plan_type": ("get", lambda w: {}, plan_searching_without_patient()),
    "fhir:care_plan_read": ("get", lambda w: {"resource_id": active_plan(w).uuid}, walk_table(*PLAN_READERS)),
    "fhir:goal_type": ("get", lambda w: {}, plan_searching_without_patient()),
    "fhir:appointment_type": ("get", lambda w: {}, searching_without_patient()),
    "fhir:appointment_read": ("get", lambda w: {"resource_id": booking(w)}, walk_table(*CHART_READERS)),
    "fhir:goal_read": ("get", lambda w: {"resource_id": plan_goal(w).uuid}, walk_table(*PLAN_READERS)),
    "fhir:encounter_type": ("get", lambda w: {}, searching_without_patient()),
    "fhir:encounter_read": (
        "get",
        lambda w: {"resource_id": records.encounter(w)},
        walk_table(*CHART_READERS),
    ),
    "fhir:group_type": ("get", lambda w: {}, walk_table(*ROSTER_READERS)),
    "fhir:group_read": ("get", lambda w: {"resource_id": records.group(w).uuid}, walk_table(*ROSTER_READERS)),
    "fhir:service_request_type": (
        "get",
        lambda w: {},
        walk_table(**{role: "status 400" for role in INTAKE_READERS}),
    ),
    "fhir:service_request_read": (
        "get",
        lambda w: {"resource_id": records.referral(w).uuid},
        walk_table(*INTAKE_READERS),
    ),
    "fhir:consent_type": ("get", lambda w: {}, searching_without_patient()),
    "fhir:consent_read": (
        "get",
        lambda w: {"resource_id": records.consent(w).uuid},
        walk_table(*CHART_READERS),
    ),
}
