"""Referrals through the API: list, create, read, move along the pipeline; who may; what is audited."""

import datetime
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.intake.models import Referral, ReferralEvent, ReferralStatus
from openiop.intake.services.referrals import (
    referral_create_from_self_check,
    referral_document_add,
    referral_link_patient,
)

from .test_authentication import assert_problem
from .test_intake_care import field_errors, referral_in_program

REFERRALS = "/api/v1/referrals"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def new_referral(world, **overrides) -> dict:
    body = {
        "program": str(world.program_a.uuid),
        "source": "outpatient_therapist",
        "given_name": "Jordan",
        "family_name": "Newcomer",
        "date_of_birth": "1994-02-03",
        "phone": "555-0100",
        "email": "jordan@example.invalid",
        "preferred_language": "es",
        "referring_provider": "Dr. Lee",
        "referring_organization": "Riverside Counseling",
        "referring_contact": "lee@example.invalid",
        "reason": "Panic attacks, missing work.",
        "urgency": "soon",
    }
    body.update(overrides)
    return body


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


# --- list -------------------------------------------------------------------------------------------------


def test_intake_coordinator_lists_only_referrals_of_their_programs(world, api_client):
    mine = referral_in_program(world, world.program_a)
    referral_in_program(world, world.program_b, given_name="Other")
    response = api_client(world.ivan).get(REFERRALS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["uuid"] == str(mine.uuid) and item["program"]["uuid"] == str(world.program_a.uuid)
    assert item["patient_uuid"] is None and "id" not in item


def test_list_filters_and_pages(world, api_client):
    referral_in_program(world, world.program_a, urgency="urgent", source="emergency")
    referral_in_program(world, world.program_a)
    client = api_client(world.dana)
    assert client.get(REFERRALS, {"urgency": "urgent"}).json()["count"] == 1
    assert client.get(REFERRALS, {"source": "emergency"}).json()["count"] == 1
    assert client.get(REFERRALS, {"status": "new"}).json()["count"] == 2
    assert client.get(REFERRALS, {"status": "contacted"}).json()["count"] == 0
    assert client.get(REFERRALS, {"program": str(world.program_b.uuid)}).json()["count"] == 0
    first = client.get(REFERRALS, {"limit": 1}).json()
    second = client.get(REFERRALS, {"limit": 1, "offset": 1}).json()
    assert first["items"][0]["uuid"] != second["items"][0]["uuid"]
    for params in ({"status": "sleeping"}, {"limit": 0}, {"program": "nope"}):
        assert_problem(client.get(REFERRALS, params), 422)


def test_listing_writes_one_audit_event(world, api_client):
    referral_in_program(world, world.program_a)
    api_client(world.ivan).get(REFERRALS, {"urgency": "routine"})
    event = AuditEvent.objects.get(action=Action.LIST, object_type="intake.referral")
    assert event.actor == world.ivan
    assert event.detail["filters"] == {"urgency": "routine"} and event.detail["shown"] == 1


@pytest.mark.parametrize("role", ["alice", "paul", "charlie", "pat_a", "audrey", "adam"])
def test_only_intake_staff_list_referrals(world, api_client, role):
    referral_in_program(world, world.program_a)
    response = api_client(getattr(world, role)).get(REFERRALS)
    assert_problem(response, 403)
    assert "Robin" not in response.text


def test_the_list_needs_a_token(world, client):
    assert_problem(client.get(REFERRALS), 401)


# --- create -----------------------------------------------------------------------------------------------


def test_intake_coordinator_records_a_referral(world, api_client):
    response = post(api_client(world.ivan), REFERRALS, new_referral(world))
    assert response.status_code == 201
    body = response.json()
    referral = Referral.objects.get(uuid=body["uuid"])
    assert (referral.program, referral.given_name, referral.urgency) == (world.program_a, "Jordan", "soon")
    assert referral.date_of_birth == datetime.date(1994, 2, 3) and referral.preferred_language == "es"
    assert referral.created_by == world.ivan
    assert body["status"] == "new" and body["documents"] == []
    assert [event["to_status"] for event in body["events"]] == ["new"]
    event = AuditEvent.objects.get(action=Action.CREATE, object_id=body["uuid"])
    assert event.actor == world.ivan and event.detail["program"] == str(world.program_a.uuid)


def test_create_refusals_name_their_fields(world, api_client):
    client = api_client(world.ivan)
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    cases = [
        (new_referral(world, program=str(world.program_b.uuid)), ("body", "program")),
        (new_referral(world, program=str(uuid.uuid4())), ("body", "program")),
        (new_referral(world, date_of_birth=future), ("body", "date_of_birth")),
        (new_referral(world, email="not an address"), ("body", "email")),
        (new_referral(world, given_name=""), ("body", "given_name")),
        (new_referral(world, source="carrier_pigeon"), ("body", "source")),
        ({k: v for k, v in new_referral(world).items() if k != "reason"}, ("body", "reason")),
    ]
    for body, location in cases:
        errors = field_errors(assert_problem(post(client, REFERRALS, body), 422))
        assert location in errors, (body, errors)
    assert not Referral.objects.exists()


def test_clinicians_may_not_record_referrals(world, api_client):
    assert_problem(post(api_client(world.alice), REFERRALS, new_referral(world)), 403)
    assert_problem(post(api_client(world.pat_a), REFERRALS, new_referral(world)), 403)
    assert not Referral.objects.exists()


def test_the_openapi_document_says_documents_are_web_only(world, client):
    document = client.get("/api/v1/openapi.json").json()
    assert "web page only" in document["paths"]["/api/v1/referrals"]["post"]["description"]


# --- detail -----------------------------------------------------------------------------------------------


def test_detail_has_timeline_documents_metadata_link_and_self_check(world, api_client):
    referral = referral_create_from_self_check(
        program=world.program_a,
        contact={"given_name": "Sam", "family_name": "Checker", "phone": "555-0101"},
        answers={"low_mood": "most_days"},
        outcome="iop_may_fit",
        language="en",
    )
    referral_link_patient(referral=referral, by=world.ivan, patient=world.patient_b)
    pdf = SimpleUploadedFile("letter.pdf", b"%PDF-1.4 letter", content_type="application/pdf")
    document = referral_document_add(referral=referral, upload=pdf, by=world.ivan, description="Letter")
    response = api_client(world.ivan).get(f"{REFERRALS}/{referral.uuid}")
    assert response.status_code == 200
    body = response.json()
    assert body["patient_uuid"] == str(world.patient_b.uuid)
    assert body["episode_uuid"] == str(referral.episode.uuid)
    assert body["self_check"]["answers"] == {"low_mood": "most_days"}
    assert body["self_check"]["outcome"] == "iop_may_fit"
    assert body["documents"] == [
        {
            "uuid": str(document.uuid),
            "original_name": "letter.pdf",
            "content_type": "application/pdf",
            "size": document.size,
            "sha256": document.sha256,
            "description": "Letter",
            "uploaded_by": {"uuid": str(world.ivan.uuid), "name": world.ivan.display_name},
            "uploaded_at": body["documents"][0]["uploaded_at"],
        }
    ]
    event = AuditEvent.objects.get(action=Action.VIEW, object_id=str(referral.uuid))
    assert (event.actor, event.patient) == (world.ivan, world.patient_b)


def test_a_referral_of_another_program_is_refused_without_phi(world, api_client):
    referral = referral_in_program(world, world.program_b, given_name="Secretname")
    response = api_client(world.dana).get(f"{REFERRALS}/{referral.uuid}")
    assert_problem(response, 403)
    assert "Secretname" not in response.text
    event = AuditEvent.objects.get(action=Action.ACCESS_REFUSED)
    assert (event.actor, event.object_id, event.outcome) == (world.dana, str(referral.uuid), Outcome.REFUSED)


def test_unknown_referral_is_404(world, api_client):
    assert_problem(api_client(world.ivan).get(f"{REFERRALS}/{uuid.uuid4()}"), 404)


# --- transitions ------------------------------------------------------------------------------------------


def test_moving_a_referral_along_records_the_step(world, api_client):
    referral = referral_in_program(world, world.program_a)
    client = api_client(world.ivan)
    response = post(
        client, f"{REFERRALS}/{referral.uuid}/transitions", {"to_status": "contacted", "note": "Rang."}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "contacted"
    assert [e["to_status"] for e in response.json()["events"]] == ["new", "contacted"]
    booked = post(
        client,
        f"{REFERRALS}/{referral.uuid}/transitions",
        {"to_status": "assessment_booked", "assessment_at": "2026-12-01T10:00:00"},
    )
    assert booked.status_code == 200 and booked.json()["assessment_booked_for"].startswith("2026-12-01")
    step = ReferralEvent.objects.filter(referral=referral).last()
    assert (step.to_status, step.by) == (ReferralStatus.ASSESSMENT_BOOKED, world.ivan)
    updates = AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(referral.uuid))
    assert updates.count() == 2


def test_refused_steps_name_the_field_to_fill(world, api_client):
    referral = referral_in_program(world, world.program_a)
    url = f"{REFERRALS}/{referral.uuid}/transitions"
    client = api_client(world.dana)
    cases = [
        ({"to_status": "declined"}, ("body", "note")),
        ({"to_status": "assessed"}, ("body", "to_status")),
        ({"to_status": "admitted"}, ("body", "to_status")),
        ({"to_status": "on_holiday"}, ("body", "to_status")),
    ]
    for body, location in cases:
        errors = field_errors(assert_problem(post(client, url, body), 422))
        assert location in errors, (body, errors)
    post(client, url, {"to_status": "contacted"})
    missing_time = post(client, url, {"to_status": "assessment_booked"})
    assert ("body", "assessment_at") in field_errors(assert_problem(missing_time, 422))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CONTACTED


def test_only_intake_staff_of_the_program_move_referrals(world, api_client):
    referral = referral_in_program(world, world.program_a)
    url = f"{REFERRALS}/{referral.uuid}/transitions"
    for user in (world.alice, world.charlie, world.audrey):
        assert_problem(post(api_client(user), url, {"to_status": "contacted"}), 403)
    other = referral_in_program(world, world.program_b)
    response = post(
        api_client(world.ivan), f"{REFERRALS}/{other.uuid}/transitions", {"to_status": "contacted"}
    )
    assert_problem(response, 403)
    other.refresh_from_db()
    assert other.status == ReferralStatus.NEW
