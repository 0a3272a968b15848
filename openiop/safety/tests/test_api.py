"""Plans through /api/v1/: the same rules and services as the pages, problem details on refusal."""

import pytest
from django.utils import timezone

from openiop.accounts.services import token_create
from openiop.audit.models import Action, AuditEvent
from openiop.safety.models import Plan, PlanStatus

from .factories import draft_of, full_safety_content, signed_plan


@pytest.fixture
def api(client):
    def for_user(user):
        _, raw = token_create(user=user, name="test")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return for_user


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def _sign_body(plan, **changes):
    return {
        "version": plan.version,
        "patient_name": "Avery Synthetic",
        "patient_signed_on": timezone.localdate().isoformat(),
        "witnessed": True,
        **changes,
    }


def test_a_plan_is_written_saved_signed_and_read_back(world, api):
    client = api(world.alice)
    base = f"/api/v1/patients/{world.patient_a.uuid}/safety-plan"
    empty = client.get(base).json()
    assert empty == {
        "patient": str(world.patient_a.uuid),
        "kind": "safety",
        "current": None,
        "draft": None,
        "review_requested": None,
        "versions": 0,
    }
    created = _post(client, f"{base}/drafts", {})
    assert created.status_code == 201
    draft = created.json()
    assert (draft["number"], draft["status"], draft["version"]) == (1, "draft", 1)
    assert [line["phone"] for line in draft["crisis_lines"]][:2] == ["988", "911"]
    assert _post(client, f"{base}/drafts", {}).status_code == 409

    saved = _post(
        client,
        f"/api/v1/safety/plans/{draft['uuid']}/draft",
        {"version": 1, "content": full_safety_content()},
    )
    assert saved.status_code == 200, saved.content
    saved = saved.json()
    assert saved["version"] == 2
    help_section = next(s for s in saved["sections"] if s["id"] == "help_contacts")
    assert help_section["contacts"][0] == {"name": "Maria (sister)", "phone": "(555) 201-7788", "hours": ""}

    signed = _post(client, f"/api/v1/safety/plans/{draft['uuid']}/sign", _sign_body(Plan.objects.get()))
    assert signed.status_code == 200, signed.content
    signed = signed.json()
    assert signed["status"] == "signed" and signed["signed_at"]
    assert {s["role"]: s["method"] for s in signed["signatures"]} == {
        "patient": "in_person",
        "clinician": "signed_in",
    }
    state = client.get(base).json()
    assert state["current"]["uuid"] == draft["uuid"] and state["draft"] is None and state["versions"] == 1
    versions = client.get(f"{base}/versions").json()
    assert [(v["number"], v["status"]) for v in versions] == [(1, "signed")]


def test_two_saves_from_the_same_version_the_second_is_409(world, api):
    plan = draft_of(world.patient_a, world.alice, content={})
    client = api(world.paul)
    url = f"/api/v1/safety/plans/{plan.uuid}/draft"
    first = _post(client, url, {"version": plan.version, "content": {"warning_signs": ["One"]}})
    assert first.status_code == 200
    second = _post(client, url, {"version": plan.version, "content": {"warning_signs": ["Two"]}})
    assert second.status_code == 409
    assert second["Content-Type"] == "application/problem+json"
    assert "Someone else saved this draft" in second.json()["detail"]
    plan.refresh_from_db()
    assert plan.content["warning_signs"] == ["One"]


def test_bad_content_is_422_naming_the_section(world, api):
    plan = draft_of(world.patient_a, world.alice, content={})
    response = _post(
        api(world.alice),
        f"/api/v1/safety/plans/{plan.uuid}/draft",
        {
            "version": plan.version,
            "content": {"help_contacts": [{"name": "Maria", "phone": "later"}], "diary": []},
        },
    )
    assert response.status_code == 422
    locations = {tuple(error["loc"]) for error in response.json()["errors"]}
    assert locations == {("body", "content", "help_contacts"), ("body", "content")}


def test_a_signed_plan_cannot_be_changed_through_the_api(world, api):
    plan = signed_plan(world.patient_a, world.alice)
    client = api(world.alice)
    saved = _post(
        client,
        f"/api/v1/safety/plans/{plan.uuid}/draft",
        {"version": plan.version, "content": full_safety_content()},
    )
    assert saved.status_code == 409 and "signed and can no longer be changed" in saved.json()["detail"]
    assert _post(client, f"/api/v1/safety/plans/{plan.uuid}/sign", _sign_body(plan)).status_code == 409
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SIGNED and plan.signatures.count() == 2


def test_signing_needs_a_witness_the_patients_name_and_every_required_step(world, api):
    client = api(world.alice)
    plan = draft_of(world.patient_a, world.alice, content={"warning_signs": ["x"]})
    url = f"/api/v1/safety/plans/{plan.uuid}/sign"
    assert _post(client, url, _sign_body(plan, witnessed=False)).status_code == 422
    response = _post(client, url, _sign_body(plan, patient_name="Blake Synthetic"))
    assert response.status_code == 422
    locations = {tuple(error["loc"]) for error in response.json()["errors"]}
    assert locations == {("body",), ("body", "patient_name")}
    assert Plan.objects.get().is_draft


def test_revising_makes_a_new_draft_once(world, api):
    plan = signed_plan(world.patient_a, world.alice)
    client = api(world.paul)
    revised = _post(client, f"/api/v1/safety/plans/{plan.uuid}/revise", {})
    assert revised.status_code == 201
    body = revised.json()
    assert (body["number"], body["status"], body["revises"]) == (2, "draft", str(plan.uuid))
    again = _post(client, f"/api/v1/safety/plans/{plan.uuid}/revise", {})
    assert again.status_code == 409 and body["uuid"] in again.json()["detail"]


def test_reads_and_pdf_downloads_are_audited_once_each(world, api):
    plan = signed_plan(world.patient_a, world.alice)
    client = api(world.dana)
    before = AuditEvent.objects.count()
    assert client.get(f"/api/v1/safety/plans/{plan.uuid}").status_code == 200
    response = client.get(f"/api/v1/safety/plans/{plan.uuid}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF-")
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [(e.action, e.patient, e.detail.get("channel")) for e in events] == [
        (Action.VIEW, world.patient_a, "api"),
        (Action.EXPORT, world.patient_a, "api"),
    ]


def test_break_the_glass_is_not_offered_through_the_api(world, api):
    plan = signed_plan(world.patient_a, world.alice)
    response = api(world.bob).get(f"/api/v1/safety/plans/{plan.uuid}")
    assert response.status_code == 403
    assert "Break-the-glass (emergency) access is not available through the API" in response.json()["detail"]
    refused = AuditEvent.objects.filter(action=Action.ACCESS_REFUSED).get()
    assert refused.patient == world.patient_a and refused.actor == world.bob
