"""Treatment plan operations in the API role walk (openiop/api/tests/test_role_walk.py).

Plans follow the care team: alice (primary clinician) and paul (psychiatrist) write; dana (director of
program A) reads; bob would need break-the-glass, which the API does not offer; everyone else is refused.
"""

from django.utils import timezone

from openiop.api.tests.walk import Op, expect
from openiop.treatment import content as core
from openiop.treatment.models import Objective
from openiop.treatment.services import plan_new_version, plan_submit

from .factories import active_plan_of, complete_content, draft_with_content, episode_of

TEAM_A = {"alice", "paul"}
READ_A = {"alice", "paul", "dana"}


def _draft(w):
    w.plan = draft_with_content(w)
    return w.plan


def _awaiting(w):
    w.plan = plan_submit(plan=draft_with_content(w), by=w.alice)
    return w.plan


def _active(w):
    w.plan = active_plan_of(w)
    return w.plan


def _second_version(w):
    w.plan = plan_new_version(plan=active_plan_of(w), by=w.alice)
    return w.plan


def draft_body(w):
    data = core.to_dict(complete_content(w))
    for problem in data["problems"]:
        problem.pop("key")
        for goal in problem["goals"]:
            goal.pop("key")
            for objective in goal["objectives"]:
                objective.pop("key")
            for intervention in goal["interventions"]:
                intervention.pop("key")
                intervention.pop("responsible_name")
    return {"revision": w.plan.revision, **data}


def review_body(w):
    return {
        "reviewed_on": timezone.localdate().isoformat(),
        "summary": "Sleeping better; keep going.",
        "outcome": "continue",
        "progress": [
            {"objective": str(o.uuid), "progress": "progressing"}
            for o in Objective.objects.filter(goal__problem__plan=w.plan)
        ],
    }


OPERATIONS = {
    "GET /episodes/{episode_uuid}/treatment-plans": Op(
        lambda w: f"/api/v1/episodes/{episode_of(w.patient_a).uuid}/treatment-plans", expect(READ_A)
    ),
    "POST /episodes/{episode_uuid}/treatment-plans": Op(
        lambda w: f"/api/v1/episodes/{episode_of(w.patient_a).uuid}/treatment-plans",
        expect(TEAM_A, ok=201),
        lambda w: {},
    ),
    "GET /treatment-plans/{plan_uuid}": Op(
        lambda w: f"/api/v1/treatment-plans/{_draft(w).uuid}", expect(READ_A)
    ),
    "POST /treatment-plans/{plan_uuid}/draft": Op(
        lambda w: f"/api/v1/treatment-plans/{_draft(w).uuid}/draft", expect(TEAM_A), draft_body
    ),
    "POST /treatment-plans/{plan_uuid}/submit": Op(
        lambda w: f"/api/v1/treatment-plans/{_draft(w).uuid}/submit", expect(TEAM_A), lambda w: {}
    ),
    # The clinician's signature is the responsible clinician's (alice) only.
    "POST /treatment-plans/{plan_uuid}/signatures": Op(
        lambda w: f"/api/v1/treatment-plans/{_awaiting(w).uuid}/signatures",
        expect({"alice"}, ok=201),
        lambda w: {"role": "clinician", "attested": True},
    ),
    "POST /treatment-plans/{plan_uuid}/versions": Op(
        lambda w: f"/api/v1/treatment-plans/{_active(w).uuid}/versions", expect(TEAM_A, ok=201), lambda w: {}
    ),
    "POST /treatment-plans/{plan_uuid}/reviews": Op(
        lambda w: f"/api/v1/treatment-plans/{_active(w).uuid}/reviews", expect(TEAM_A, ok=201), review_body
    ),
    "GET /treatment-plans/{plan_uuid}/diff": Op(
        lambda w: f"/api/v1/treatment-plans/{_second_version(w).uuid}/diff", expect(READ_A)
    ),
}
