import datetime

import pytest
from django.urls import reverse

from openiop.audit.models import Action, AuditEvent
from openiop.home.models import Task, TaskStatus


@pytest.fixture
def monday(monkeypatch):
    # 2026-11-30 is a Monday: the morning track (Mon/Wed/Fri) meets.
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 11, 30))


def test_my_day_shows_todays_tracks_caseload_and_tasks(world, client_for, monday):
    Task.objects.create(
        title="Call back about the evening track",
        assigned_to=world.alice,
        due_on=datetime.date(2026, 11, 27),
        patient=world.patient_a,
    )
    page = client_for(world.alice).get(reverse("home:my_day")).content.decode()
    assert "09:00–12:00" in page and "Morning" in page
    assert "Avery Synthetic" in page and "Blake" not in page
    assert "Call back about the evening track" in page and "Overdue" in page


def test_my_day_has_honest_empty_states(world, client_for, monday):
    page = client_for(world.charlie).get(reverse("home:my_day")).content.decode()
    assert "None of your program's tracks meet today." in page
    assert "No open tasks" in page


def test_completing_a_task_with_htmx_swaps_the_row_and_is_audited(world, client_for):
    task = Task.objects.create(
        title="Send intake packet", assigned_to=world.alice, due_on=datetime.date(2026, 12, 1)
    )
    response = client_for(world.alice).post(
        reverse("home:task_done", kwargs={"task_uuid": task.uuid}), HTTP_HX_REQUEST="true"
    )
    assert "Done: Send intake packet" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_at
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(task.uuid)).count() == 1


def test_someone_elses_task_cannot_be_completed(world, client_for):
    task = Task.objects.create(
        title="Send intake packet", assigned_to=world.alice, due_on=datetime.date(2026, 12, 1)
    )
    response = client_for(world.bob).post(reverse("home:task_done", kwargs={"task_uuid": task.uuid}))
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_task_completion_requires_post(world, client_for):
    task = Task.objects.create(
        title="Send intake packet", assigned_to=world.alice, due_on=datetime.date(2026, 12, 1)
    )
    assert (
        client_for(world.alice).get(reverse("home:task_done", kwargs={"task_uuid": task.uuid})).status_code
        == 405
    )


def test_start_page_sends_each_role_to_its_work(world, client_for, client):
    assert client_for(world.alice).get("/")["Location"] == reverse("home:my_day")
    assert client_for(world.pat_a).get("/")["Location"] == reverse("portal:home")
    assert client_for(world.audrey).get("/")["Location"] == reverse("audit:report")
    assert client_for(world.adam).get("/")["Location"] == reverse("admin:index")


def test_my_care_sends_a_linked_patient_to_the_portal(world, client_for):
    response = client_for(world.pat_a).get(reverse("home:my_care"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")


def test_my_care_tells_a_patient_without_a_linked_record_why_it_is_empty(world, client_for):
    from conftest import make_user
    from openiop.accounts.models import Role

    page = client_for(make_user("pat_new", Role.PATIENT)).get(reverse("home:my_care")).content.decode()
    assert "not linked to a patient record yet" in page and "988" in page
