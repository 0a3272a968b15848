"""The skills operations of /api/v1/: behaviour and refusals beyond the role walk."""

import datetime

import pytest
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.scheduling.models import AttendanceStatus
from openiop.scheduling.tests.factories import PAST_MONDAY
from openiop.skills.models import Homework, PracticeLogEntry

from .factories import a_lesson, homework_for, load_shipped, skills_session

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_the_curriculum_lists_modules_with_their_lessons(world, api_client):
    load_shipped()
    modules = api_client(world.bob).get("/api/v1/skills/modules").json()
    assert len(modules) == 8 and modules[0]["code"] == "coping"
    assert modules[0]["lessons"][0]["homework"] and modules[0]["lessons"][0]["origin"] == "shipped"


def test_a_facilitator_sets_the_lesson_and_the_patient_history_follows_attendance(world, api_client):
    lesson = a_lesson()
    session = skills_session(world, PAST_MONDAY, [world.patient_a.episodes.get()])
    client = api_client(world.alice)
    response = client.post(
        f"/api/v1/sessions/{session.uuid}/lesson",
        {"lesson": str(lesson.uuid)},
        content_type="application/json",
    )
    assert response.json()["lesson"]["code"] == lesson.code
    assert client.get(f"/api/v1/patients/{world.patient_a.uuid}/lessons").json() == []
    session.attendees.update(status=AttendanceStatus.LATE)
    (item,) = client.get(f"/api/v1/patients/{world.patient_a.uuid}/lessons").json()
    assert item["lesson"]["code"] == lesson.code and item["date"] == PAST_MONDAY.isoformat()
    assert item["attendance"] == "late"
    unknown = client.post(
        f"/api/v1/sessions/{session.uuid}/lesson",
        {"lesson": "00000000-0000-0000-0000-000000000000"},
        content_type="application/json",
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["loc"] == ["body", "lesson"]


def test_homework_through_the_api(world, api_client):
    client = api_client(world.alice)
    url = f"/api/v1/patients/{world.patient_a.uuid}/homework"
    bad = client.post(url, {"due_on": TODAY.isoformat()}, content_type="application/json")
    assert bad.status_code == 422
    assert {tuple(e["loc"]) for e in bad.json()["errors"]} == {("body", "title"), ("body", "instructions")}
    created = client.post(
        url, {"lesson": str(a_lesson().uuid), "due_on": TODAY.isoformat()}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["assigned_by"]["name"].startswith("Alice")
    homework = Homework.objects.get()
    outcome = client.post(
        f"/api/v1/homework/{homework.uuid}/completion",
        {"status": "not_done"},
        content_type="application/json",
    )
    assert outcome.status_code == 422 and outcome.json()["errors"][0]["loc"] == ["body", "note"]
    outcome = client.post(
        f"/api/v1/homework/{homework.uuid}/completion",
        {"status": "not_done", "note": "Ill all week."},
        content_type="application/json",
    )
    assert outcome.json()["status"] == "not_done"
    assert [item["status"] for item in client.get(url).json()] == ["not_done"]


def test_reading_a_patient_record_is_audited_once(world, api_client):
    homework_for(world)
    client = api_client(world.alice)
    before = AuditEvent.objects.count()
    client.get(f"/api/v1/patients/{world.patient_a.uuid}/homework")
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.latest("seq").action == Action.VIEW


def test_practice_through_the_api_validates_distress(world, api_client):
    client = api_client(world.paul)
    url = f"/api/v1/patients/{world.patient_a.uuid}/practice-log"
    body = {
        "practiced_on": TODAY.isoformat(),
        "situation": "Bus.",
        "distress_before": 11,
        "distress_after": 2,
    }
    response = client.post(url, {**body, "skill_text": "Breathing"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "distress_before"]
    response = client.post(url, {**body, "distress_before": 8}, content_type="application/json")
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "skill"]
    response = client.post(
        url, {**body, "distress_before": 8, "lesson": str(a_lesson().uuid)}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["module_code"] == "walk-module"
    assert PracticeLogEntry.objects.get().entered_by == world.paul
    assert len(client.get(url).json()) == 1


def test_bob_is_refused_without_break_the_glass(world, api_client):
    response = api_client(world.bob).get(f"/api/v1/patients/{world.patient_a.uuid}/practice-log")
    assert response.status_code == 403 and "Break-the-glass" in response.json()["detail"]
    homework = homework_for(world)
    response = api_client(world.ivan).post(
        f"/api/v1/homework/{homework.uuid}/completion", {"status": "done"}, content_type="application/json"
    )
    assert response.status_code == 403 and "treating care team" in response.json()["detail"]


def test_due_dates_far_ahead_are_refused(world, api_client):
    response = api_client(world.alice).post(
        f"/api/v1/patients/{world.patient_a.uuid}/homework",
        {"title": "T", "instructions": "I", "due_on": (TODAY + datetime.timedelta(days=120)).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "due_on"]
