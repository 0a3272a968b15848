import pytest
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.treatment.models import PlanStatus, TreatmentPlan

from .api_operations import draft_body, review_body
from .factories import active_plan_of, draft_with_content, episode_of

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, body or {}, content_type="application/json")


def test_a_plan_from_draft_to_active_through_the_api(world, api_client):
    alice = api_client(world.alice)
    response = post(alice, f"/api/v1/episodes/{episode_of(world.patient_a).uuid}/treatment-plans")
    assert response.status_code == 201
    world.plan = TreatmentPlan.objects.get(uuid=response.json()["uuid"])
    response = post(alice, f"/api/v1/treatment-plans/{world.plan.uuid}/draft", draft_body(world))
    assert response.status_code == 200, response.content
    plan = response.json()
    assert plan["revision"] == 2
    objective = plan["problems"][0]["goals"][0]["objectives"][1]
    assert (objective["measure_instrument"], objective["measure_value"]) == ("PHQ-9", "10.0")
    assert post(alice, f"/api/v1/treatment-plans/{world.plan.uuid}/submit").status_code == 200
    base = f"/api/v1/treatment-plans/{world.plan.uuid}/signatures"
    assert post(alice, base, {"role": "clinician", "attested": True}).status_code == 201
    patient = {
        "role": "patient",
        "attested": True,
        "signed_name": "Avery Synthetic",
        "signed_on": timezone.localdate().isoformat(),
    }
    assert post(alice, base, patient).status_code == 201
    response = post(api_client(world.paul), base, {"role": "physician", "attested": True})
    assert response.status_code == 201
    assert response.json()["status"] == PlanStatus.ACTIVE
    assert {s["role"] for s in response.json()["signatures"]} == {"clinician", "patient", "physician"}


def test_a_stale_draft_save_answers_412_and_saves_nothing(world, api_client):
    world.plan = draft_with_content(world)
    body = draft_body(world)
    alice = api_client(world.alice)
    assert post(alice, f"/api/v1/treatment-plans/{world.plan.uuid}/draft", body).status_code == 200
    body["strengths"] = "Changed by a stale client"
    response = post(alice, f"/api/v1/treatment-plans/{world.plan.uuid}/draft", body)
    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    assert "Stale revision" in response.json()["detail"]
    world.plan.refresh_from_db()
    assert world.plan.strengths != "Changed by a stale client"


def test_content_errors_answer_422_at_their_place_in_the_body(world, api_client):
    world.plan = draft_with_content(world)
    body = draft_body(world)
    body["problems"][0]["icd10_code"] = "nonsense"
    response = post(api_client(world.alice), f"/api/v1/treatment-plans/{world.plan.uuid}/draft", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "problems", 0, "icd10_code"]


def test_an_active_plan_is_never_edited_through_the_api(world, api_client):
    world.plan = active_plan_of(world)
    alice = api_client(world.alice)
    response = post(alice, f"/api/v1/treatment-plans/{world.plan.uuid}/draft", draft_body(world))
    assert response.status_code == 409
    assert "new version" in response.json()["detail"]
    assert post(alice, f"/api/v1/treatment-plans/{world.plan.uuid}/submit").status_code == 409
    world.plan.refresh_from_db()
    assert world.plan.status == PlanStatus.ACTIVE


def test_new_version_review_and_diff(world, api_client):
    world.plan = active_plan_of(world)
    alice = api_client(world.alice)
    body = review_body(world)
    body["outcome"] = "revise"
    response = post(alice, f"/api/v1/treatment-plans/{world.plan.uuid}/reviews", body)
    assert response.status_code == 201
    draft_uuid = response.json()["resulting_plan"]
    response = alice.get(f"/api/v1/treatment-plans/{draft_uuid}/diff")
    assert response.status_code == 200
    assert response.json()["changes"] == []
    assert (response.json()["older"]["number"], response.json()["newer"]["number"]) == (1, 2)
    assert (
        post(alice, f"/api/v1/treatment-plans/{world.plan.uuid}/versions").status_code == 409
    )  # one in progress


def test_reads_are_audited_with_the_api_channel(world, api_client):
    world.plan = draft_with_content(world)
    api_client(world.dana).get(f"/api/v1/treatment-plans/{world.plan.uuid}")
    event = AuditEvent.objects.get(action=Action.VIEW, object_id=str(world.plan.uuid))
    assert event.detail["channel"] == "api" and event.actor == world.dana


def test_break_the_glass_is_not_offered_through_the_api(world, api_client):
    world.plan = draft_with_content(world)
    response = api_client(world.bob).get(f"/api/v1/treatment-plans/{world.plan.uuid}")
    assert response.status_code == 403
    assert "Break-the-glass" in response.json()["detail"]
    assert AuditEvent.objects.filter(action=Action.ACCESS_REFUSED, actor=world.bob).exists()
