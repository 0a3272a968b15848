"""CarePlan and Goal: the signed treatment plan over FHIR. Mappings round-trip through the R4B models;
reads and searches follow treatment.view_plan and are audited once with "channel": "fhir"."""

import datetime
import json
import uuid

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.operationoutcome import OperationOutcome

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.fhir.mapping.plan import care_plan_resource, goal_resource
from openiop.treatment.models import PlanStatus
from openiop.treatment.services import plan_draft_save, plan_new_version
from openiop.treatment.tests.factories import active_plan_of, complete_content, draft_with_content, sign_all

BASE = "/fhir/r4"
MOMENT = datetime.datetime(2026, 11, 3, 14, 5, 7, tzinfo=datetime.UTC)
ID = uuid.UUID("0b6b2c1e-6d0c-4bb4-9a39-3f1f5c3e2a10")
PATIENT_ID = uuid.UUID("5f0c8d2a-7f57-4a57-9d5e-8f7e4a9a1b22")
GOAL_ID = uuid.UUID("7d1f8a47-4f0d-4cf6-9a3d-2d9a0f7d7e01")


def round_trip(model, resource: dict) -> dict:
    parsed = model.model_validate(resource)
    assert json.loads(parsed.model_dump_json(exclude_none=True)) == resource
    return resource


# --- pure mappings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "fhir_status"), [("active", "active"), ("superseded", "revoked")])
def test_care_plan_round_trips(status, fhir_status):
    resource = round_trip(
        CarePlan,
        care_plan_resource(
            id=ID,
            updated_at=MOMENT,
            patient_id=PATIENT_ID,
            episode_id=uuid.uuid4(),
            status=status,
            number=2,
            program="Adult IOP",
            activated_at=MOMENT,
            superseded_at=MOMENT + datetime.timedelta(days=30) if status == "superseded" else None,
            author="Alice Ng, LCSW",
            strengths="Supportive sister",
            discharge_criteria="PHQ-9 below 10",
            replaces_id=uuid.uuid4(),
            problems=[("F33.1", "Major depressive disorder, recurrent, moderate")],
            goal_ids=[GOAL_ID],
            activities=[("CBT", "", "3 groups a week", "Alice Ng", GOAL_ID)],
        ),
    )
    assert resource["status"] == fhir_status
    assert resource["intent"] == "plan"
    assert resource["goal"] == [{"reference": f"Goal/{GOAL_ID}"}]
    assert resource["addresses"][0]["display"] == "F33.1 Major depressive disorder, recurrent, moderate"
    assert resource["activity"][0]["detail"]["scheduledString"] == "3 groups a week"


def test_a_minimal_care_plan_round_trips():
    round_trip(
        CarePlan,
        care_plan_resource(
            id=ID,
            updated_at=MOMENT,
            patient_id=PATIENT_ID,
            episode_id=uuid.uuid4(),
            status="active",
            number=1,
            program="Adult IOP",
            activated_at=None,
            superseded_at=None,
            author="",
        ),
    )


def test_goal_round_trips_with_objectives_as_targets():
    resource = round_trip(
        Goal,
        goal_resource(
            id=GOAL_ID,
            updated_at=MOMENT,
            patient_id=PATIENT_ID,
            plan_status="active",
            text="I want to get back to work.",
            problem=("", "Panic"),
            start=datetime.date(2026, 11, 3),
            objectives=[
                {
                    "text": "Reduce depressive symptoms",
                    "baseline": "PHQ-9 17",
                    "target": "PHQ-9 below 10",
                    "target_date": datetime.date(2027, 1, 3),
                    "measure_instrument": "PHQ-9",
                    "measure_loinc": "44261-6",
                },
                {
                    "text": "Coping skill daily",
                    "target": "5 of 7 days",
                    "target_date": datetime.date(2027, 1, 1),
                },
            ],
        ),
    )
    assert resource["lifecycleStatus"] == "active"
    assert resource["addresses"] == [{"display": "Panic"}]
    first, second = resource["target"]
    assert first["measure"]["coding"][0]["code"] == "44261-6"
    assert first["detailString"] == "PHQ-9 below 10"
    assert "coding" not in second["measure"]
    assert resource["note"] == [{"text": "Baseline for “Reduce depressive symptoms”: PHQ-9 17"}]


# --- over HTTP -----------------------------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db  # the pure tests above need no database


def fhir_events(**filters):
    return [
        e for e in AuditEvent.objects.filter(**filters).order_by("seq") if e.detail.get("channel") == "fhir"
    ]


@pytestmark_db
def test_care_team_reads_the_active_plan_with_an_etag_and_one_audit_event(fhir_as, world):
    plan = active_plan_of(world)
    client = fhir_as(world.alice)  # creating the token is audited too
    before = AuditEvent.objects.count()
    response = client.get(f"{BASE}/CarePlan/{plan.uuid}")
    assert response.status_code == 200, response.content
    resource = response.json()
    CarePlan.model_validate(resource)
    assert resource["status"] == "active"
    assert resource["subject"]["reference"] == f"Patient/{world.patient_a.uuid}"
    goal = plan.problems.get().goals.get()
    assert resource["goal"] == [{"reference": f"Goal/{goal.uuid}"}]
    assert len(resource["activity"]) == 2
    assert response["ETag"].startswith('W/"')
    assert AuditEvent.objects.count() == before + 1
    (event,) = fhir_events(action=Action.VIEW, object_type="treatment.treatmentplan")
    assert event.patient_id == world.patient_a.pk
    assert event.detail["resource"] == "CarePlan"


@pytestmark_db
def test_search_returns_the_active_plan_and_its_goals_only(fhir_as, world):
    old = active_plan_of(world)
    new = plan_new_version(plan=old, by=world.alice)
    plan_draft_save(
        plan=new,
        content=complete_content(world, goal="I want to sleep through the night."),
        revision=new.revision,
        by=world.alice,
    )
    new = sign_all(world, new)
    old.refresh_from_db()
    assert old.status == PlanStatus.SUPERSEDED and new.status == PlanStatus.ACTIVE
    client = fhir_as(world.paul)

    bundle = client.get(f"{BASE}/CarePlan", {"patient": f"Patient/{world.patient_a.uuid}"}).json()
    Bundle.model_validate(bundle)
    assert bundle["total"] == 1
    plan = bundle["entry"][0]["resource"]
    assert plan["id"] == str(new.uuid)
    assert plan["replaces"] == [{"reference": f"CarePlan/{old.uuid}"}]

    goals = client.get(f"{BASE}/Goal", {"patient": str(world.patient_a.uuid)}).json()
    Bundle.model_validate(goals)
    assert [e["resource"]["description"]["text"] for e in goals["entry"]] == [
        "I want to sleep through the night."
    ]
    (event,) = fhir_events(action=Action.LIST, object_type="treatment.goal")
    assert event.patient_id == world.patient_a.pk
    assert event.detail["total"] == 1

    # The superseded version stays readable by id, as revoked; its goal as cancelled.
    revoked = client.get(f"{BASE}/CarePlan/{old.uuid}").json()
    assert revoked["status"] == "revoked" and revoked["period"]["end"]
    old_goal = old.problems.get().goals.get()
    cancelled = client.get(f"{BASE}/Goal/{old_goal.uuid}").json()
    Goal.model_validate(cancelled)
    assert cancelled["lifecycleStatus"] == "cancelled"


@pytestmark_db
def test_goal_read_carries_objectives_and_is_audited(fhir_as, world):
    goal = active_plan_of(world).problems.get().goals.get()
    response = fhir_as(world.dana).get(f"{BASE}/Goal/{goal.uuid}")
    assert response.status_code == 200, response.content
    resource = response.json()
    Goal.model_validate(resource)
    targets = resource["target"]
    assert [t["detailString"] for t in targets] == ["5 of 7 days, logged", "PHQ-9 below 10"]
    assert targets[1]["measure"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "44261-6",
        "display": "PHQ-9 total score",
    }
    (event,) = fhir_events(action=Action.VIEW, object_type="treatment.goal")
    assert event.detail["resource"] == "Goal"


@pytestmark_db
def test_an_unsigned_plan_is_not_a_care_plan(fhir_as, world):
    draft = draft_with_content(world)
    client = fhir_as(world.alice)
    assert client.get(f"{BASE}/CarePlan/{draft.uuid}").status_code == 404
    goal = draft.problems.get().goals.get()
    assert client.get(f"{BASE}/Goal/{goal.uuid}").status_code == 404
    bundle = client.get(f"{BASE}/CarePlan", {"patient": str(world.patient_a.uuid)}).json()
    assert bundle["total"] == 0 and "entry" not in bundle
    assert not fhir_events(action=Action.VIEW)


@pytestmark_db
@pytest.mark.parametrize("role", ["bob", "ivan", "audrey", "pat_a"])
def test_refusals_are_audited_and_show_no_phi(fhir_as, world, role):
    plan = active_plan_of(world)
    goal = plan.problems.get().goals.get()
    client = fhir_as(getattr(world, role))
    for url in (
        f"{BASE}/CarePlan/{plan.uuid}",
        f"{BASE}/Goal/{goal.uuid}",
        f"{BASE}/CarePlan?patient={world.patient_a.uuid}",
        f"{BASE}/Goal?patient={world.patient_a.uuid}",
    ):
        response = client.get(url)
        assert response.status_code == 403, (url, response.content)
        OperationOutcome.model_validate(response.json())
        body = response.content.decode()
        for secret in (world.patient_a.legal_given_name, goal.text, "F33.1"):
            assert secret not in body
    assert AuditEvent.objects.filter(outcome=Outcome.REFUSED, actor=getattr(world, role)).count() == 4
    assert not fhir_events(action=Action.VIEW)


@pytestmark_db
def test_a_misspelt_search_parameter_is_400(fhir_as, world):
    response = fhir_as(world.alice).get(f"{BASE}/Goal", {"subject": str(world.patient_a.uuid)})
    assert response.status_code == 400


def test_every_announced_resource_type_is_routed():
    """The CapabilityStatement announces nothing ahead of its code: each type has its search and read."""
    from django.urls import resolve

    from openiop.fhir.capability import RESOURCES

    for resource_type, (interactions, _params) in RESOURCES.items():
        assert resolve(f"{BASE}/{resource_type}").url_name.endswith("_type")
        if "read" in interactions:
            assert resolve(f"{BASE}/{resource_type}/x").url_name.endswith("_read")
