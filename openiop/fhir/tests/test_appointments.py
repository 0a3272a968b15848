"""Appointment: a patient's session bookings over FHIR. Round trips through R4B; the chart's permission;
one audit event per read; no other patient of a group, and never the telehealth video link."""

import datetime
import json
import uuid

import pytest
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.fhir.mapping.schedule import appointment_resource, appointment_status
from openiop.scheduling.models import Room, SessionAttendee, SessionStatus

from .routes import group_booking

BASE = "/fhir/r4"
START = datetime.datetime(2026, 11, 16, 9, tzinfo=datetime.UTC)
PATIENT_ID = uuid.UUID("5f0c8d2a-7f57-4a57-9d5e-8f7e4a9a1b22")


@pytest.mark.parametrize(
    ("session_cancelled", "attendance", "expected"),
    [
        (False, "scheduled", "booked"),
        (False, "present", "fulfilled"),
        (False, "late", "fulfilled"),
        (False, "left_early", "fulfilled"),
        (False, "absent_excused", "noshow"),
        (False, "absent_unexcused", "noshow"),
        (False, "cancelled", "cancelled"),
        (True, "scheduled", "cancelled"),
        (True, "present", "cancelled"),
    ],
)
def test_status_from_attendance_and_round_trip(session_cancelled, attendance, expected):
    assert appointment_status(session_cancelled=session_cancelled, attendance=attendance) == expected
    resource = appointment_resource(
        id=f"{uuid.uuid4()}.12",
        updated_at=START,
        patient_id=PATIENT_ID,
        session_type="Group therapy",
        group=True,
        start=START,
        end=START + datetime.timedelta(hours=3),
        session_cancelled=session_cancelled,
        attendance=attendance,
        cancel_reason="Snow closure",
        clinicians=["Alice Ng, LCSW"],
        room="Room 1",
        created=START,
    )
    assert json.loads(Appointment.model_validate(resource).model_dump_json(exclude_none=True)) == resource
    assert resource["status"] == expected
    assert resource["minutesDuration"] == 180
    assert ("cancelationReason" in resource) == (expected == "cancelled")


@pytest.mark.django_db
def test_chart_reader_reads_a_booking_audited_once_without_the_video_link(fhir_as, world):
    attendee = group_booking(world)
    session = world.session
    session.room = Room.objects.create(
        name="Zoom A", capacity=12, is_telehealth=True, video_link_template="https://video.example/{token}"
    )
    session.save()
    attendee.status = "present"
    attendee.save()
    client = fhir_as(world.ivan)
    before = AuditEvent.objects.count()
    response = client.get(f"{BASE}/Appointment/{session.uuid}.{attendee.pk}")
    assert response.status_code == 200, response.content
    resource = response.json()
    Appointment.model_validate(resource)
    assert resource["status"] == "fulfilled"
    assert resource["participant"][0]["actor"]["reference"] == f"Patient/{world.patient_a.uuid}"
    assert session.telehealth_token not in response.content.decode()
    assert "video.example" not in response.content.decode()
    assert {"actor": {"display": "Telehealth"}, "status": "accepted"} in resource["participant"]
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("seq")
    assert event.action == Action.VIEW and event.patient_id == world.patient_a.pk
    assert event.detail["channel"] == "fhir" and event.detail["resource"] == "Appointment"


@pytest.mark.django_db
def test_search_shows_only_the_patients_own_bookings(fhir_as, world):
    attendee = group_booking(world)
    other = SessionAttendee.objects.create(
        session=world.session, episode=world.patient_b.episodes.get(status="active")
    )
    world.session.status = SessionStatus.CANCELLED
    world.session.cancel_reason = "Facilitator ill"
    world.session.save()
    response = fhir_as(world.alice).get(f"{BASE}/Appointment", {"patient": f"Patient/{world.patient_a.uuid}"})
    bundle = response.json()
    Bundle.model_validate(bundle)
    assert bundle["total"] == 1
    (entry,) = bundle["entry"]
    assert entry["resource"]["id"] == f"{world.session.uuid}.{attendee.pk}"
    assert entry["resource"]["status"] == "cancelled"
    assert entry["resource"]["cancelationReason"] == {"text": "Facilitator ill"}
    assert str(world.patient_b.uuid) not in response.content.decode()
    assert world.patient_b.legal_given_name not in response.content.decode()
    event = AuditEvent.objects.latest("seq")
    assert event.action == Action.LIST and event.detail["total"] == 1
    assert other.pk  # booked, but not patient_a's


@pytest.mark.django_db
@pytest.mark.parametrize("resource_id", ["{session}.999999", "{other}.{pk}", "{session}", "{session}.x"])
def test_an_id_must_match_session_and_booking(fhir_as, world, resource_id):
    attendee = group_booking(world)
    resource_id = resource_id.format(session=world.session.uuid, other=uuid.uuid4(), pk=attendee.pk)
    assert fhir_as(world.alice).get(f"{BASE}/Appointment/{resource_id}").status_code == 404


@pytest.mark.django_db
def test_bob_is_refused_break_the_glass_audited_and_no_phi(fhir_as, world):
    attendee = group_booking(world)
    response = fhir_as(world.bob).get(f"{BASE}/Appointment/{world.session.uuid}.{attendee.pk}")
    assert response.status_code == 403
    assert "Break-the-glass" in response.json()["issue"][0]["diagnostics"]
    assert world.patient_a.legal_given_name not in response.content.decode()
    assert AuditEvent.objects.filter(actor=world.bob, outcome=Outcome.REFUSED).count() == 1
