"""The skills pages: who may do what, validation errors re-render the form, and one audit event per read
or write of PHI."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.scheduling.models import AttendanceStatus
from openiop.scheduling.tests.factories import PAST_MONDAY
from openiop.skills.models import Homework, HomeworkStatus, Lesson, Module, PracticeLogEntry
from openiop.skills.services import session_lesson_set

from .factories import a_lesson, homework_for, load_shipped, skills_session

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def audit_count(**filters) -> int:
    return AuditEvent.objects.filter(**filters).count()


def attended_session(world, lesson=None):
    episode = world.patient_a.episodes.get()
    session = skills_session(world, PAST_MONDAY, [episode])
    if lesson is not None:
        session_lesson_set(session=session, lesson=lesson, by=world.alice)
    session.attendees.update(status=AttendanceStatus.PRESENT)
    return session


# --- the curriculum ---------------------------------------------------------------------------------------


def test_a_director_loads_the_curriculum_from_its_empty_state(world, client_for):
    client = client_for(world.dana)
    page = client.get(reverse("skills:curriculum")).content.decode()
    assert "No curriculum is loaded yet" in page and "Load the OpenIOP curriculum 1.0.0" in page
    response = client.post(reverse("skills:curriculum_load"), follow=True)
    assert "8 modules and 29 lessons added" in response.content.decode()
    assert Module.objects.count() == 8
    assert "Load the OpenIOP curriculum" not in client.get(reverse("skills:curriculum")).content.decode()


def test_clinicians_read_but_do_not_edit_or_load(world, client_for):
    load_shipped()
    client = client_for(world.alice)
    page = client.get(reverse("skills:curriculum")).content.decode()
    assert "Distress tolerance" in page and "Add a module" not in page and "Load the" not in page
    lesson = Lesson.objects.get(code="coping-2")
    page = client.get(reverse("skills:lesson_detail", args=[lesson.uuid])).content.decode()
    assert "Calming the body" in page and "Edit lesson" not in page
    assert client.get(reverse("skills:lesson_edit", args=[lesson.uuid])).status_code == 403
    assert client.post(reverse("skills:curriculum_load")).status_code == 403


def _lesson_post(lesson, **changes):
    data = {
        "title": lesson.title,
        "minutes": lesson.minutes or "",
        "objectives": "\n".join(lesson.objectives),
        "outline": "\n".join(lesson.outline),
        "exercise": lesson.exercise,
        "homework": lesson.homework,
        "version": lesson.version,
    }
    data.update(changes)
    return data


def test_a_director_edits_a_shipped_lesson_which_keeps_its_code(world, client_for):
    load_shipped()
    lesson = Lesson.objects.get(code="coping-2")
    client = client_for(world.dana)
    assert (
        "Once you change it" in client.get(reverse("skills:lesson_edit", args=[lesson.uuid])).content.decode()
    )
    response = client.post(
        reverse("skills:lesson_edit", args=[lesson.uuid]), _lesson_post(lesson, homework="Ours.")
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.homework == "Ours." and lesson.code == "coping-2" and lesson.edited_locally
    assert "edited locally" in client.get(reverse("skills:curriculum")).content.decode()


def test_an_invalid_lesson_re_renders_with_errors(world, client_for):
    lesson = a_lesson()
    response = client_for(world.dana).post(
        reverse("skills:lesson_edit", args=[lesson.uuid]), _lesson_post(lesson, objectives="  ", minutes=500)
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Please correct the following" in page
    assert "This field is required." in page and "less than or equal to 240" in page


def test_a_stale_lesson_save_shows_both_texts_to_merge(world, client_for):
    lesson = a_lesson()
    stale = _lesson_post(lesson, homework="My version of the homework.")
    client = client_for(world.dana)
    client.post(
        reverse("skills:lesson_edit", args=[lesson.uuid]), _lesson_post(lesson, homework="Saved first.")
    )
    response = client.post(reverse("skills:lesson_edit", args=[lesson.uuid]), stale)
    page = response.content.decode()
    assert response.status_code == 200 and "Someone else saved this" in page
    assert "My version of the homework." in page and "Saved first." in page
    assert 'name="version" value="2"' in page
    lesson.refresh_from_db()
    assert lesson.homework == "Saved first."
    # Saving again, deliberately, replaces it.
    client.post(reverse("skills:lesson_edit", args=[lesson.uuid]), {**stale, "version": 2})
    lesson.refresh_from_db()
    assert lesson.homework == "My version of the homework."


def test_a_director_adds_a_module_and_a_lesson(world, client_for):
    client = client_for(world.dana)
    response = client.post(reverse("skills:module_add"), {"title": "", "summary": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    response = client.post(reverse("skills:module_add"), {"title": "Sleep", "summary": "Sleeping better."})
    module = Module.objects.get(title="Sleep")
    assert response["Location"] == reverse("skills:module_detail", args=[module.uuid])
    client.post(
        reverse("skills:lesson_add", args=[module.uuid]),
        {
            "title": "Wind-down",
            "objectives": "Plan a wind-down hour.",
            "outline": "Check-in\nPlan",
            "exercise": "Draft.",
            "homework": "Try it.",
        },
    )
    lesson = module.lessons.get()
    assert lesson.outline == ["Check-in", "Plan"]


# --- session lessons --------------------------------------------------------------------------------------


def test_a_facilitator_sets_the_lesson_and_gives_its_homework(world, client_for):
    lesson = a_lesson()
    session = attended_session(world)
    client = client_for(world.alice)
    page = client.get(reverse("skills:session", args=[session.uuid])).content.decode()
    assert "Avery Synthetic" in page and "Set the lesson" not in page
    assert audit_count(action=Action.VIEW, object_id=str(session.uuid)) == 1
    client.post(reverse("skills:session", args=[session.uuid]), {"lesson": str(lesson.uuid)})
    assert audit_count(action=Action.CREATE, object_id=str(session.uuid)) == 1
    page = client.get(reverse("skills:session", args=[session.uuid])).content.decode()
    assert lesson.homework in page  # the homework form is prefilled with the lesson's homework
    episode = world.patient_a.episodes.get()
    response = client.post(
        reverse("skills:session_homework", args=[session.uuid]),
        {
            "attendees": [str(episode.uuid)],
            "due_on": (TODAY + datetime.timedelta(days=7)).isoformat(),
            "instructions": "Breathe.",
        },
    )
    assert response.status_code == 302
    homework = Homework.objects.get()
    assert homework.session == session and homework.lesson == lesson and homework.instructions == "Breathe."


def test_homework_from_a_session_needs_someone_chosen(world, client_for):
    session = attended_session(world, a_lesson())
    response = client_for(world.alice).post(
        reverse("skills:session_homework", args=[session.uuid]),
        {"due_on": TODAY.isoformat(), "instructions": "x"},
    )
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not Homework.objects.exists()


def test_others_may_not_set_a_session_lesson_and_the_refusal_is_audited(world, client_for):
    session = attended_session(world)
    response = client_for(world.bob).post(
        reverse("skills:session", args=[session.uuid]), {"lesson": str(a_lesson().uuid)}
    )
    assert response.status_code == 403
    assert audit_count(action=Action.ACCESS_REFUSED, object_id=str(session.uuid)) == 1


def test_the_week_lists_group_sessions_with_their_lesson(world, client_for):
    attended_session(world, a_lesson())
    page = client_for(world.bob).get(reverse("skills:sessions") + f"?week={PAST_MONDAY}").content.decode()
    assert "Calming the body" in page and "Lesson and homework" not in page  # bob does not lead it
    page = client_for(world.alice).get(reverse("skills:sessions") + f"?week={PAST_MONDAY}").content.decode()
    assert "Lesson and homework" in page
    empty = (
        client_for(world.charlie).get(reverse("skills:sessions") + f"?week={PAST_MONDAY}").content.decode()
    )
    assert "no group sessions this week" in empty


# --- a patient's record -----------------------------------------------------------------------------------


def test_the_skills_record_shows_lessons_homework_and_practice_and_is_audited_once(world, client_for):
    load_shipped()
    lesson = Lesson.objects.get(code="coping-2")
    attended_session(world, lesson)
    homework_for(world)
    client = client_for(world.paul)
    before = audit_count()
    page = client.get(reverse("skills:patient", args=[world.patient_a.uuid])).content.decode()
    assert "Calming the body" in page and PAST_MONDAY.isoformat() in page and "Overdue" in page
    assert "1 of 4 lessons had" in page
    assert audit_count() == before + 1
    assert AuditEvent.objects.latest("seq").action == Action.VIEW


def test_bob_must_break_the_glass_and_patients_are_refused(world, client_for):
    url = reverse("skills:patient", args=[world.patient_a.uuid])
    assert "/break-glass/" in client_for(world.bob).get(url)["Location"]
    assert client_for(world.pat_a).get(url).status_code == 403
    assert (
        client_for(world.bob).get(reverse("skills:homework_add", args=[world.patient_a.uuid])).status_code
        == 403
    )


def test_giving_homework_is_one_create_event_and_errors_re_render(world, client_for):
    lesson = a_lesson()
    client = client_for(world.alice)
    url = reverse("skills:homework_add", args=[world.patient_a.uuid])
    page = client.get(url + f"?lesson={lesson.uuid}").content.decode()
    assert lesson.homework in page
    before = audit_count()
    response = client.post(url, {"lesson": "", "title": "", "instructions": "", "due_on": TODAY.isoformat()})
    page = response.content.decode()
    assert response.status_code == 200 and "Give the homework a short title" in page
    assert audit_count() == before + 1  # the page shown again: one VIEW
    before = audit_count()
    response = client.post(
        url, {"lesson": str(lesson.uuid), "title": "", "instructions": "", "due_on": TODAY.isoformat()}
    )
    assert response.status_code == 302 and Homework.objects.get().title == lesson.title
    assert audit_count() == before + 1 and AuditEvent.objects.latest("seq").action == Action.CREATE


def test_recording_an_outcome_needs_a_note_unless_done(world, client_for):
    homework = homework_for(world)
    client = client_for(world.alice)
    url = reverse("skills:homework_outcome", args=[homework.uuid])
    response = client.post(url, {"status": "partly", "note": "", "completed_on": TODAY.isoformat()})
    assert response.status_code == 200 and "what got in the way" in response.content.decode()
    client.post(url, {"status": "partly", "note": "Night shifts.", "completed_on": TODAY.isoformat()})
    homework.refresh_from_db()
    assert homework.status == HomeworkStatus.PARTLY and homework.completion_note == "Night shifts."


def test_recording_practice_validates_distress(world, client_for):
    lesson = a_lesson()
    client = client_for(world.alice)
    url = reverse("skills:practice_add", args=[world.patient_a.uuid])
    data = {
        "practiced_on": TODAY.isoformat(),
        "skill": f"lesson:{lesson.uuid}",
        "situation": "Crowded bus.",
        "distress_before": 11,
        "distress_after": 4,
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "less than or equal to 10" in response.content.decode()
    response = client.post(url, {**data, "skill": "", "distress_before": 8})
    assert "Choose a skill from the curriculum" in response.content.decode()
    client.post(url, {**data, "distress_before": 8})
    entry = PracticeLogEntry.objects.get()
    assert entry.lesson == lesson and entry.entered_by == world.alice


# --- panels -----------------------------------------------------------------------------------------------


def test_the_chart_shows_lessons_had_and_overdue_homework(world, client_for):
    lesson = a_lesson()
    attended_session(world, lesson)
    homework_for(world)
    page = (
        client_for(world.alice).get(reverse("patients:chart", args=[world.patient_a.uuid])).content.decode()
    )
    assert "Skills and homework" in page and "1 homework overdue." in page
    assert lesson.title in page and PAST_MONDAY.isoformat() in page and "Give homework" in page
    # intake coordinators read the chart's skills section but do not give homework
    page = client_for(world.ivan).get(reverse("patients:chart", args=[world.patient_a.uuid])).content.decode()
    assert "Skills and homework" in page and "Give homework" not in page


def test_my_day_lists_the_caseload_homework_due(world, client_for):
    homework_for(world)
    homework_for(world, world.patient_b, by=world.bob)
    page = client_for(world.alice).get(reverse("home:my_day")).content.decode()
    assert "Homework due" in page and "Avery Synthetic" in page and "Blake Synthetic" not in page
    page = client_for(world.ivan).get(reverse("home:my_day")).content.decode()
    assert "Homework due" not in page
