"""Every API operation as every role, the API's counterpart of core/tests/test_role_walk.py.

Adding an operation means adding it here or in the app's `tests/api_operations.py` (walk.py); the last
test fails for an operation walked nowhere. Refusals carry no PHI. A write is walked with a
JSON body that succeeds for the roles allowed; its URL builder makes what it acts on, in each test's world.
"""

import pytest
from django.utils import timezone

from openiop.api.api import api
from openiop.core.tests.roles import app_tables
from openiop.scheduling.models import WeekPlan
from openiop.scheduling.tests.factories import PAST_MONDAY, session_with

from .test_intake_care import assessment_of, ratings_body, referral_in_program, referred_episode
from .walk import CHART_A, CLINICAL, INTAKE_A, ROLES, Op, expect

WORK_SESSIONS = {"alice", "bob", "paul", "dana", "charlie"}  # treating roles and directors
LEAD_SESSION_A = {"alice", "dana"}  # alice leads the session in program A; dana directs the program


def _today() -> str:
    return timezone.localdate().isoformat()


def _episode_a(w):
    return w.patient_a.episodes.get()


def _session_a(w):
    """A past session of program A led by alice, patient_a booked and not yet recorded."""
    return session_with(w, PAST_MONDAY, [_episode_a(w)])


def _plan_a(w):
    """An empty draft plan of program A: nothing to book, so publishing it succeeds at once."""
    return WeekPlan.objects.create(program=w.program_a, week_start=PAST_MONDAY)


@pytest.fixture(autouse=True)
def _quick_planning(settings):
    settings.OPENIOP_PLANNING_TIME_LIMIT = 1


# "METHOD path" -> the operation's walk
OPERATIONS = {
    "GET /me": Op(lambda w: "/api/v1/me", expect(set(ROLES))),
    "GET /patients": Op(lambda w: "/api/v1/patients", expect(CLINICAL)),
    "GET /patients/{patient_uuid}": Op(lambda w: f"/api/v1/patients/{w.patient_a.uuid}", expect(CHART_A)),
    "GET /referrals": Op(lambda w: "/api/v1/referrals", expect(INTAKE_A)),
    "POST /referrals": Op(
        lambda w: "/api/v1/referrals",
        expect(INTAKE_A, ok=201),
        lambda w: {
            "program": str(w.program_a.uuid),
            "source": "primary_care",
            "given_name": "Robin",
            "family_name": "Walk",
            "reason": "Low mood for months.",
        },
    ),
    "GET /referrals/{referral_uuid}": Op(
        lambda w: f"/api/v1/referrals/{referral_in_program(w, w.program_a).uuid}", expect(INTAKE_A)
    ),
    "POST /referrals/{referral_uuid}/transitions": Op(
        lambda w: f"/api/v1/referrals/{referral_in_program(w, w.program_a).uuid}/transitions",
        expect(INTAKE_A),
        lambda w: {"to_status": "contacted", "note": "Called back."},
    ),
    "GET /rubrics": Op(lambda w: "/api/v1/rubrics", expect(set(ROLES))),
    "GET /patients/{patient_uuid}/assessments": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/assessments", expect(CHART_A)
    ),
    "POST /patients/{patient_uuid}/assessments": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/assessments",
        # Assessment is clinical and program-wide, as on the page: bob may assess a patient of his program.
        expect({"alice", "bob", "paul", "dana"}, ok=201),
        lambda w: ratings_body(),
    ),
    "GET /assessments/{assessment_uuid}": Op(
        lambda w: f"/api/v1/assessments/{assessment_of(w.patient_a, w.alice).uuid}", expect(CHART_A)
    ),
    "GET /episodes/{episode_uuid}": Op(lambda w: f"/api/v1/episodes/{_episode_a(w).uuid}", expect(CHART_A)),
    "POST /episodes/{episode_uuid}/admission": Op(
        lambda w: f"/api/v1/episodes/{referred_episode(w).uuid}/admission",
        expect(INTAKE_A),
        lambda w: {
            "track": str(w.track_a.uuid),
            "admitted_on": _today(),
            "primary_clinician": str(w.alice.uuid),
            "psychiatrist": str(w.paul.uuid),
        },
    ),
    "POST /episodes/{episode_uuid}/waitlist": Op(
        lambda w: f"/api/v1/episodes/{referred_episode(w).uuid}/waitlist",
        expect(INTAKE_A, ok=201),
        lambda w: {"urgency": "soon"},
    ),
    "POST /episodes/{episode_uuid}/transitions": Op(
        lambda w: f"/api/v1/episodes/{_episode_a(w).uuid}/transitions",
        expect(CHART_A, ok=201),
        lambda w: {
            "from_level": "intensive_outpatient",
            "to_level": "partial_hospitalization",
            "on": _today(),
            "reason": "Worsening despite IOP.",
        },
    ),
    "POST /episodes/{episode_uuid}/certifications": Op(
        lambda w: f"/api/v1/episodes/{_episode_a(w).uuid}/certifications",
        expect({"paul"}, ok=201),
        lambda w: {"hours_per_week": "9", "certified_on": _today(), "statement": "Needs IOP intensity."},
    ),
    "GET /waitlist": Op(lambda w: f"/api/v1/waitlist?program={w.program_a.uuid}", expect(INTAKE_A)),
    "GET /due-items": Op(lambda w: f"/api/v1/due-items?program={w.program_a.uuid}", expect(INTAKE_A)),
    "GET /sessions": Op(lambda w: f"/api/v1/sessions?week={PAST_MONDAY}", expect(WORK_SESSIONS)),
    "GET /sessions/{session_uuid}": Op(
        lambda w: f"/api/v1/sessions/{_session_a(w).uuid}", expect(LEAD_SESSION_A)
    ),
    "POST /sessions/{session_uuid}/attendance": Op(
        lambda w: f"/api/v1/sessions/{_session_a(w).uuid}/attendance",
        expect(LEAD_SESSION_A),
        lambda w: {"attendance": [{"episode": str(_episode_a(w).uuid), "status": "present"}]},
    ),
    "POST /sessions/{session_uuid}/cancel": Op(
        lambda w: f"/api/v1/sessions/{_session_a(w).uuid}/cancel",
        expect(LEAD_SESSION_A),
        lambda w: {"reason": "Facilitator ill."},
    ),
    "GET /episodes/{episode_uuid}/ledger": Op(
        lambda w: f"/api/v1/episodes/{_episode_a(w).uuid}/ledger", expect(CHART_A)
    ),
    "GET /programs/{program_uuid}/week-plans": Op(
        lambda w: f"/api/v1/programs/{w.program_a.uuid}/week-plans", expect({"dana"})
    ),
    "POST /programs/{program_uuid}/week-plans": Op(
        lambda w: f"/api/v1/programs/{w.program_a.uuid}/week-plans",
        expect({"dana"}, ok=201),
        lambda w: {"week": PAST_MONDAY.isoformat()},
    ),
    "GET /week-plans/{plan_uuid}": Op(lambda w: f"/api/v1/week-plans/{_plan_a(w).uuid}", expect({"dana"})),
    "POST /week-plans/{plan_uuid}/publish": Op(
        lambda w: f"/api/v1/week-plans/{_plan_a(w).uuid}/publish", expect({"dana"}), lambda w: {}
    ),
}
OPERATIONS.update(app_tables("api_operations", "OPERATIONS"))


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("role", ROLES)
def test_operation_as_role(operation, role, world, client, api_client):
    walk = OPERATIONS[operation]
    if role != "anonymous":
        client = api_client(getattr(world, role))
    url = walk.url(world)
    if walk.body is None:
        response = client.get(url)
    else:
        response = client.post(url, walk.body(world), content_type="application/json")
    assert response.status_code == walk.expected[role], f"{role} on {operation}: {response.content[:300]}"
    if response.status_code >= 400:
        body = response.content.decode()
        assert response["Content-Type"] == "application/problem+json"
        for secret in ("Avery", world.patient_a.record_number, str(world.patient_a.date_of_birth)):
            assert secret not in body


def test_the_list_shows_each_clinician_only_their_programs(world, api_client):
    names = {
        item["legal_family_name"] + item["legal_given_name"]
        for item in api_client(world.charlie).get("/api/v1/patients").json()["items"]
    }
    assert names == {"SyntheticCasey"}


def test_every_api_operation_is_walked():
    served = {
        f"{method} {path}"
        for router in api._get_bound_routers()
        for path, path_view in router.path_operations.items()
        for operation in path_view.operations
        for method in operation.methods
    }
    assert served == set(OPERATIONS), f"walk these too: {sorted(served - set(OPERATIONS))}"
