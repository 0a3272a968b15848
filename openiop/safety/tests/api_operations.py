"""The plan operations in the API role walk (api/tests/test_role_walk.py).

Reading follows the chart (alice, paul, ivan, dana); bob would need break-the-glass, which the API does
not offer, so he is refused. Writing, signing and revising: the care team's clinician and psychiatrist.
"""

from django.utils import timezone

from openiop.api.tests.walk import CHART_A, Op, expect

from .factories import draft_of, full_safety_content, signed_plan

WRITERS = {"alice", "paul"}


def _state(slug):
    return Op(lambda w: f"/api/v1/patients/{w.patient_a.uuid}/{slug}", expect(CHART_A))


def _versions(slug):
    return Op(lambda w: f"/api/v1/patients/{w.patient_a.uuid}/{slug}/versions", expect(CHART_A))


def _create(slug):
    return Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/{slug}/drafts", expect(WRITERS, ok=201), lambda w: {}
    )


def _sign_body(w):
    return {
        "version": w.walk_draft.version,
        "patient_name": "Avery Synthetic",
        "patient_signed_on": timezone.localdate().isoformat(),
        "witnessed": True,
    }


def _draft_url(w, suffix):
    w.walk_draft = draft_of(w.patient_a, w.alice)
    return f"/api/v1/safety/plans/{w.walk_draft.uuid}/{suffix}"


OPERATIONS = {
    "GET /patients/{patient_uuid}/safety-plan": _state("safety-plan"),
    "GET /patients/{patient_uuid}/relapse-prevention-plan": _state("relapse-prevention-plan"),
    "GET /patients/{patient_uuid}/safety-plan/versions": _versions("safety-plan"),
    "GET /patients/{patient_uuid}/relapse-prevention-plan/versions": _versions("relapse-prevention-plan"),
    "POST /patients/{patient_uuid}/safety-plan/drafts": _create("safety-plan"),
    "POST /patients/{patient_uuid}/relapse-prevention-plan/drafts": _create("relapse-prevention-plan"),
    "GET /safety/plans/{plan_uuid}": Op(
        lambda w: f"/api/v1/safety/plans/{signed_plan(w.patient_a, w.alice).uuid}", expect(CHART_A)
    ),
    "POST /safety/plans/{plan_uuid}/draft": Op(
        lambda w: _draft_url(w, "draft"),
        expect(WRITERS),
        lambda w: {"version": w.walk_draft.version, "content": full_safety_content()},
    ),
    "POST /safety/plans/{plan_uuid}/sign": Op(lambda w: _draft_url(w, "sign"), expect(WRITERS), _sign_body),
    "POST /safety/plans/{plan_uuid}/revise": Op(
        lambda w: f"/api/v1/safety/plans/{signed_plan(w.patient_a, w.alice).uuid}/revise",
        expect(WRITERS, ok=201),
        lambda w: {},
    ),
    "GET /safety/plans/{plan_uuid}/pdf": Op(
        lambda w: f"/api/v1/safety/plans/{signed_plan(w.patient_a, w.alice).uuid}/pdf", expect(CHART_A)
    ),
}
