"""Encounter: a patient's recorded sessions, part of their group session's Encounter. Round trips through R4B;
an absence is never "finished"; the chart's permission for a patient's Encounter and the attendance page's
for a group session's, which never shows the roster; one audit event per read or search."""

import datetime
import json
import uuid

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter

from openiop.audit.models import Action, AuditEvent, Outcome
from openiop.fhir.mapping.encounter import (
    encounter_status,
    group_encounter_resource,
    group_encounter_status,
    patient_encounter_resource,
)
from openiop.scheduling.models import (
    AttendanceStatus,
    Room,
    Session,
    SessionAttendee,
    SessionKind,
    SessionType,
)

from .records import attended_booking, group

BASE = "/fhir/r4"
START = datetime.datetime(2026, 11, 16, 9, tzinfo=datetime.UTC)
PATIENT_ID = uuid.UUID("5f0c8d2a-7f57-4a57-9d5e-8f7e4a9a1b22")
SESSION_ID = uuid.UUID("0b7d8a4e-3c2f-4f0e-9a51-2d7c1e6b9f10")


def round_trip(resource: dict) -> None:
    assert json.loads(Encounter.model_validate(resource).model_dump_json(exclude_none=True)) == resource


@pytest.mark.parametrize(
    ("session_cancelled", "attendance", "expected"),
    [
        (False, "present", "finished"),
        (False, "late", "finished"),
        (False, "left_early", "finished"),
        (False, "absent_excused", "cancelled"),
        (False, "absent_unexcused", "cancelled"),
        (False, "cancelled", "cancelled"),
        (False, "scheduled", "planned"),
        (True, "present", "cancelled"),
        (True, "scheduled", "cancelled"),
    ],
)
def test_patient_encounter_status_and_round_trip(session_cancelled, attendance, expected):
    resource = patient_encounter_resource(
        id=f"{SESSION_ID}.7",
        updated_at=START,
        patient_id=PATIENT_ID,
        episode_id=uuid.uuid4(),
        session_cancelled=session_cancelled,
        attendance=attendance,
        minutes_attended=150,
        telehealth=False,
        kind="group_therapy",
        kind_label="Group therapy",
        session_type="Process group",
        start=START,
        end=START + datetime.timedelta(hours=3),
        group_session_id=SESSION_ID,
        clinicians=["Alice Test, LCSW"],
        room="Room 1",
    )
    round_trip(resource)
    assert resource["status"] == expected
    assert resource["partOf"] == {"reference": f"Encounter/{SESSION_ID}"}
    assert resource["appointment"] == [{"reference": f"Appointment/{SESSION_ID}.7"}]
    assert ("length" in resource) == (expected == "finished")


@pytest.mark.parametrize("attendance", sorted(AttendanceStatus.values))
def test_an_absence_is_never_finished(attendance):
    status = encounter_status(session_cancelled=False, attendance=attendance)
    if attendance.startswith("absent") or attendance == "cancelled":
        assert status == "cancelled"
    assert (status == "finished") == (attendance in ("present", "late", "left_early"))


@pytest.mark.parametrize(
    ("cancelled", "attendances", "expected"),
    [
        (False, [], "planned"),
        (False, ["scheduled", "scheduled"], "planned"),
        (False, ["absent_excused", "present"], "finished"),
        (False, ["absent_excused", "absent_unexcused"], "cancelled"),
        (True, ["present"], "cancelled"),
    ],
)
def test_group_encounter_status_and_round_trip(cancelled, attendances, expected):
    assert group_encounter_status(session_cancelled=cancelled, attendances=attendances) == expected
    resource = group_encounter_resource(
        id=SESSION_ID,
        updated_at=START,
        session_cancelled=cancelled,
        attendances=attendances,
        telehealth=True,
        kind="group_therapy",
        kind_label="Group therapy",
        session_type="Process group",
        start=START,
        end=START + datetime.timedelta(hours=3),
        clinicians=["Alice Test, LCSW"],
        room="Telehealth",
        group_id=PATIENT_ID,
    )
    round_trip(resource)
    assert resource["class"]["code"] == "VR"
    assert resource["subject"] == {"reference": f"Group/{PATIENT_ID}"}
    assert "partOf" not in resource


def booked(world, patient, session, status):
    return SessionAttendee.objects.create(
        session=session, episode=patient.episodes.get(status="active"), status=status, minutes_attended=None
    )


def individual_session(world, day=datetime.date(2026, 11, 18)):
    session_type, _ = SessionType.objects.get_or_create(
        name="Individual therapy", defaults={"kind": SessionKind.INDIVIDUAL_THERAPY, "default_minutes": 50}
    )
    session = Session.objects.create(
        program=world.program_a,
        session_type=session_type,
        date=day,
        start_time=datetime.time(13),
        end_time=datetime.time(13, 50),
    )
    session.clinicians.set([world.alice])
    return session


@pytest.mark.django_db
def test_chart_reader_reads_an_attended_group_booking_part_of_the_group_session(fhir_as, world):
    booking = attended_booking(world)
    client = fhir_as(world.paul)
    before = AuditEvent.objects.count()
    response = client.get(f"{BASE}/Encounter/{world.session.uuid}.{booking.pk}")
    assert response.status_code == 200, response.content
    resource = response.json()
    round_trip(resource)
    assert resource["status"] == "finished"
    assert resource["class"]["code"] == "AMB"
    assert resource["subject"] == {"reference": f"Patient/{world.patient_a.uuid}"}
    assert resource["partOf"] == {"reference": f"Encounter/{world.session.uuid}"}
    assert resource["length"]["value"] == 180
    assert response["ETag"] == f'W/"{resource["meta"]["versionId"]}"'
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("seq")
    assert event.action == Action.VIEW and event.patient_id == world.patient_a.pk
    assert event.detail["channel"] == "fhir" and event.detail["resource"] == "Encounter"


@pytest.mark.django_db
def test_an_absence_is_a_cancelled_encounter_and_an_unrecorded_booking_is_none(fhir_as, world):
    booking = attended_booking(world)
    booking.status = AttendanceStatus.ABSENT_UNEXCUSED
    booking.save()
    client = fhir_as(world.alice)
    resource = client.get(f"{BASE}/Encounter/{world.session.uuid}.{booking.pk}").json()
    assert resource["status"] == "cancelled"
    assert "length" not in resource
    later = individual_session(world)
    unrecorded = booked(world, world.patient_a, later, AttendanceStatus.SCHEDULED)
    assert client.get(f"{BASE}/Encounter/{later.uuid}.{unrecorded.pk}").status_code == 404
    bundle = client.get(f"{BASE}/Encounter", {"patient": f"Patient/{world.patient_a.uuid}"}).json()
    assert [e["resource"]["status"] for e in bundle["entry"]] == ["cancelled"]


@pytest.mark.django_db
def test_search_pages_filters_by_date_and_part_of_and_shows_only_the_patient(fhir_as, world):
    booking = attended_booking(world)  # 2026-11-16, group
    individual = individual_session(world)  # 2026-11-18
    own = booked(world, world.patient_a, individual, AttendanceStatus.PRESENT)
    booked(world, world.patient_b, world.session, AttendanceStatus.PRESENT)
    client = fhir_as(world.alice)
    patient = f"Patient/{world.patient_a.uuid}"
    response = client.get(f"{BASE}/Encounter", {"patient": patient, "_count": 1})
    bundle = response.json()
    Bundle.model_validate(bundle)
    assert bundle["total"] == 2
    assert bundle["entry"][0]["resource"]["id"] == f"{individual.uuid}.{own.pk}"  # newest first
    assert "partOf" not in bundle["entry"][0]["resource"]  # an individual session
    assert any(link["relation"] == "next" for link in bundle["link"])
    assert str(world.patient_b.uuid) not in response.content.decode()
    event = AuditEvent.objects.latest("seq")
    assert (
        event.action == Action.LIST and event.patient_id == world.patient_a.pk and event.detail["total"] == 2
    )

    def ids(**query):
        found = client.get(f"{BASE}/Encounter", {"patient": patient, **query}).json()
        return [e["resource"]["id"] for e in found.get("entry", [])]

    assert ids(date="le2026-11-16") == [f"{world.session.uuid}.{booking.pk}"]
    assert ids(date="ge2026-11-17") == [f"{individual.uuid}.{own.pk}"]
    assert ids(date="2026-11-18") == [f"{individual.uuid}.{own.pk}"]
    assert ids(**{"part-of": f"Encounter/{world.session.uuid}"}) == [f"{world.session.uuid}.{booking.pk}"]
    bad = client.get(f"{BASE}/Encounter", {"patient": patient, "date": "soon"})
    assert bad.status_code == 400


@pytest.mark.django_db
def test_the_group_session_encounter_counts_attendance_and_names_no_patient(fhir_as, world):
    attended_booking(world)
    booked(world, world.patient_b, world.session, AttendanceStatus.ABSENT_EXCUSED)
    series = group(world)
    world.session.series = series
    world.session.room = Room.objects.create(
        name="Zoom A", capacity=12, is_telehealth=True, video_link_template="https://video.example/{token}"
    )
    world.session.save()
    for reader in (world.alice, world.dana):  # who leads it, and the program's director
        response = fhir_as(reader).get(f"{BASE}/Encounter/{world.session.uuid}")
        assert response.status_code == 200, response.content
        resource = response.json()
        round_trip(resource)
        body = response.content.decode()
        for secret in (world.patient_a.uuid, world.patient_b.uuid, world.patient_a.legal_given_name):
            assert str(secret) not in body
        assert "video.example" not in body and world.session.telehealth_token not in body
        assert resource["status"] == "finished" and resource["class"]["code"] == "VR"
        assert resource["subject"] == {"reference": f"Group/{series.uuid}"}
        event = AuditEvent.objects.latest("seq")
        assert event.action == Action.VIEW and event.patient_id is None
        assert event.detail == {"channel": "fhir", "resource": "Encounter", "attendees": 2}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["bob", "paul", "ivan", "charlie"])
def test_who_may_not_see_the_roster_cannot_read_the_group_session(fhir_as, world, role):
    attended_booking(world)
    response = fhir_as(getattr(world, role)).get(f"{BASE}/Encounter/{world.session.uuid}")
    assert response.status_code == 403
    assert AuditEvent.objects.filter(actor=getattr(world, role), outcome=Outcome.REFUSED).count() == 1


@pytest.mark.django_db
def test_an_individual_session_has_no_group_encounter(fhir_as, world):
    session = individual_session(world)
    booked(world, world.patient_a, session, AttendanceStatus.PRESENT)
    assert fhir_as(world.alice).get(f"{BASE}/Encounter/{session.uuid}").status_code == 404


@pytest.mark.django_db
def test_bob_is_refused_a_patients_encounter_without_phi(fhir_as, world):
    booking = attended_booking(world)
    response = fhir_as(world.bob).get(f"{BASE}/Encounter/{world.session.uuid}.{booking.pk}")
    assert response.status_code == 403
    assert world.patient_a.legal_given_name not in response.content.decode()
