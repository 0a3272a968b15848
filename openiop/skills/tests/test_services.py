"""The skills services: syncing the curriculum (local edits kept), stale edits refused, session lessons,
lessons had from attendance, homework and the practice log, each with its audit event."""

import dataclasses
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.patients.models import EpisodeStatus
from openiop.scheduling.models import AttendanceStatus, SessionKind, SessionStatus, SessionType
from openiop.scheduling.tests.factories import PAST_MONDAY, session_with
from openiop.skills.curriculum import shipped_curriculum
from openiop.skills.models import EntrySource, HomeworkStatus, Lesson, Module, Origin, PracticeLogEntry
from openiop.skills.selectors import lessons_had, patient_progress, session_lesson
from openiop.skills.services import (
    EditConflict,
    curriculum_sync,
    homework_assign,
    homework_assign_from_session,
    homework_record_outcome,
    lesson_create,
    lesson_update,
    module_create,
    module_update,
    practice_log_add,
    session_lesson_set,
)

from .factories import a_lesson, load_shipped, skills_session

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def events(action, **filters):
    return AuditEvent.objects.filter(action=action, **filters)


def lesson_fields(lesson, **changes):
    values = {
        "title": lesson.title,
        "minutes": lesson.minutes,
        "objectives": list(lesson.objectives),
        "outline": list(lesson.outline),
        "exercise": lesson.exercise,
        "homework": lesson.homework,
    }
    values.update(changes)
    return values


# --- syncing the shipped curriculum --------------------------------------------------------------------------


def test_sync_creates_every_module_and_lesson_once_and_audits_it():
    result = curriculum_sync(curriculum=shipped_curriculum())
    assert len(result.modules_created) == 8 and len(result.lessons_created) == 29
    assert Module.objects.filter(origin=Origin.SHIPPED).count() == 8
    assert events(Action.UPDATE, object_type="skills.curriculum").count() == 1
    again = curriculum_sync(curriculum=shipped_curriculum())
    assert again.changed == 0 and Lesson.objects.count() == 29
    assert events(Action.UPDATE, object_type="skills.curriculum").count() == 1


def _newer(curriculum, homework_text):
    """Version 1.1.0 of the curriculum with every lesson's homework rewritten."""
    modules = tuple(
        dataclasses.replace(
            module,
            lessons=tuple(dataclasses.replace(lesson, homework=homework_text) for lesson in module.lessons),
        )
        for module in curriculum.modules
    )
    return dataclasses.replace(curriculum, version="1.1.0", modules=modules)


def test_a_newer_file_updates_untouched_lessons_but_never_a_local_edit(world):
    curriculum = shipped_curriculum()
    curriculum_sync(curriculum=curriculum)
    edited = Lesson.objects.get(code="coping-2")
    lesson_update(
        lesson=edited,
        by=world.dana,
        version=edited.version,
        **lesson_fields(edited, homework="Our program's own breathing homework."),
    )
    result = curriculum_sync(curriculum=_newer(curriculum, "New homework text."))
    edited.refresh_from_db()
    assert edited.homework == "Our program's own breathing homework."
    assert edited.code == "coping-2" and edited.edited_locally and edited.curriculum_version == "1.0.0"
    assert "coping-2" in result.kept_local_edits
    untouched = Lesson.objects.get(code="coping-1")
    assert untouched.homework == "New homework text." and untouched.curriculum_version == "1.1.0"
    assert len(result.lessons_updated) == 28


def test_sync_never_deletes_a_lesson_dropped_from_the_file():
    curriculum = shipped_curriculum()
    curriculum_sync(curriculum=curriculum)
    first = curriculum.modules[0]
    trimmed = dataclasses.replace(
        curriculum, modules=(dataclasses.replace(first, lessons=first.lessons[1:]), *curriculum.modules[1:])
    )
    curriculum_sync(curriculum=trimmed)
    assert Lesson.objects.filter(code=first.lessons[0].code).exists()


# --- the organization's own modules and lessons ------------------------------------------------------------


def test_directors_add_their_own_module_and_lesson(world):
    module = module_create(by=world.dana, title="Sleep", summary="Sleeping better.")
    lesson = lesson_create(
        module=module,
        by=world.dana,
        title="Wind-down routine",
        objectives=["Plan a wind-down hour."],
        outline=["Check-in.", "Plan."],
        exercise="Draft a routine.",
        homework="Try it for five nights.",
        minutes=45,
    )
    assert module.code.startswith("local-") and module.origin == Origin.LOCAL
    assert lesson.code.startswith("local-") and lesson.module == module
    assert events(Action.CREATE, object_id=str(lesson.uuid)).count() == 1


def test_a_lesson_needs_its_parts(world):
    module = module_create(by=world.dana, title="Sleep", summary="Sleeping better.")
    with pytest.raises(ValidationError) as caught:
        lesson_create(
            module=module,
            by=world.dana,
            title=" ",
            objectives=["", " "],
            outline=[],
            exercise="",
            homework="x",
        )
    assert set(caught.value.message_dict) == {"title", "objectives", "outline", "exercise"}


def test_a_stale_save_is_refused_and_the_current_text_returned(world):
    lesson = a_lesson()
    version = lesson.version
    lesson_update(lesson=lesson, by=world.dana, version=version, **lesson_fields(lesson, title="First save"))
    with pytest.raises(EditConflict) as caught:
        lesson_update(
            lesson=lesson, by=world.dana, version=version, **lesson_fields(lesson, title="Second save")
        )
    assert caught.value.current.title == "First save"
    lesson.refresh_from_db()
    assert lesson.title == "First save" and lesson.version == version + 1 and lesson.edited_locally


def test_saving_unchanged_text_changes_nothing(world):
    lesson = a_lesson()
    saved = lesson_update(lesson=lesson, by=world.dana, version=lesson.version, **lesson_fields(lesson))
    assert saved.version == lesson.version and not saved.edited_locally
    assert not events(Action.UPDATE, object_id=str(lesson.uuid)).exists()


def test_module_edits_are_versioned_too(world):
    module = a_lesson().module
    module_update(module=module, by=world.dana, version=module.version, title="Coping", summary="New.")
    with pytest.raises(EditConflict):
        module_update(module=module, by=world.dana, version=module.version, title="Other", summary="New.")


# --- session lessons and lessons had ----------------------------------------------------------------------


def _attend(session, episode, status):
    session.attendees.filter(episode=episode).update(status=status)


def test_setting_a_session_lesson_is_audited_and_idempotent(world):
    episode = world.patient_a.episodes.get()
    session = skills_session(world, PAST_MONDAY, [episode])
    lesson, other = a_lesson("one"), a_lesson("two")
    session_lesson_set(session=session, lesson=lesson, by=world.alice)
    session_lesson_set(session=session, lesson=lesson, by=world.alice)
    assert session_lesson(session) == lesson
    session_lesson_set(session=session, lesson=other, by=world.alice)
    created, updated = (events(a, object_id=str(session.uuid)) for a in (Action.CREATE, Action.UPDATE))
    assert created.count() == 1 and updated.count() == 1
    assert updated.get().detail == {"lesson": "two", "previous_lesson": "one"}
    session_lesson_set(session=session, lesson=None, by=world.alice)
    assert session_lesson(session) is None


def test_only_group_sessions_that_take_place_teach_lessons(world):
    session = session_with(world, PAST_MONDAY, [])
    session.session_type = SessionType.objects.create(
        name="Individual", kind=SessionKind.INDIVIDUAL_THERAPY, default_minutes=50
    )
    session.save()
    with pytest.raises(ValidationError, match="group sessions"):
        session_lesson_set(session=session, lesson=a_lesson(), by=world.alice)
    cancelled = skills_session(world, PAST_MONDAY - datetime.timedelta(days=7), [])
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()
    with pytest.raises(ValidationError, match="cancelled"):
        session_lesson_set(session=cancelled, lesson=a_lesson(), by=world.alice)


@pytest.mark.parametrize(
    ("status", "had"),
    [
        (AttendanceStatus.PRESENT, True),
        (AttendanceStatus.LATE, True),
        (AttendanceStatus.LEFT_EARLY, True),
        (AttendanceStatus.ABSENT_EXCUSED, False),
        (AttendanceStatus.ABSENT_UNEXCUSED, False),
        (AttendanceStatus.CANCELLED, False),
        (AttendanceStatus.SCHEDULED, False),
    ],
)
def test_attendance_decides_who_had_the_lesson(world, status, had):
    episode = world.patient_a.episodes.get()
    session = skills_session(world, PAST_MONDAY, [episode])
    session_lesson_set(session=session, lesson=a_lesson(), by=world.alice)
    _attend(session, episode, status)
    assert bool(lessons_had(world.patient_a)) is had


def test_a_cancelled_session_teaches_no_one(world):
    episode = world.patient_a.episodes.get()
    session = skills_session(world, PAST_MONDAY, [episode])
    session_lesson_set(session=session, lesson=a_lesson(), by=world.alice)
    _attend(session, episode, AttendanceStatus.PRESENT)
    session.status = SessionStatus.CANCELLED
    session.save()
    assert lessons_had(world.patient_a) == []


def test_progress_lists_lessons_had_and_not_yet_had(world):
    lessons = list(load_shipped())
    episode = world.patient_a.episodes.get()
    for week, lesson in enumerate(lessons[:2]):
        session = skills_session(world, PAST_MONDAY - datetime.timedelta(days=7 * week), [episode])
        session_lesson_set(session=session, lesson=lesson, by=world.alice)
        _attend(session, episode, AttendanceStatus.PRESENT)
    first = patient_progress(world.patient_a)[0]
    assert [item.had for _, item in first.lessons] == [True, True, False, False]
    assert first.lessons[0][1].dates == (PAST_MONDAY,)


# --- homework ----------------------------------------------------------------------------------------------


def test_homework_from_a_lesson_takes_its_title_and_text(world):
    lesson = a_lesson()
    homework = homework_assign(
        patient=world.patient_a, by=world.alice, lesson=lesson, due_on=TODAY + datetime.timedelta(days=7)
    )
    assert homework.title == lesson.title and homework.instructions == lesson.homework
    assert homework.episode == world.patient_a.episodes.get() and homework.status == HomeworkStatus.ASSIGNED
    event = events(Action.CREATE, object_id=str(homework.uuid)).get()
    assert event.patient == world.patient_a and event.actor == world.alice


def test_free_homework_needs_a_title_and_text_and_a_sensible_due_date(world):
    with pytest.raises(ValidationError) as caught:
        homework_assign(patient=world.patient_a, by=world.alice, due_on=TODAY - datetime.timedelta(days=1))
    assert set(caught.value.message_dict) == {"title", "instructions", "due_on"}
    with pytest.raises(ValidationError, match="within 90 days"):
        homework_assign(
            patient=world.patient_a,
            by=world.alice,
            title="T",
            instructions="I",
            due_on=TODAY + datetime.timedelta(days=91),
        )


def test_homework_is_for_people_in_treatment(world):
    world.patient_a.episodes.update(status=EpisodeStatus.DISCHARGED, discharged_on=TODAY)
    with pytest.raises(ValidationError, match="no active episode"):
        homework_assign(patient=world.patient_a, by=world.alice, title="T", instructions="I", due_on=TODAY)


def test_a_session_gives_its_lesson_homework_to_those_booked_once(world):
    a, b = world.patient_a.episodes.get(), world.patient_b.episodes.get()
    session = skills_session(world, PAST_MONDAY, [a])
    with pytest.raises(ValidationError, match="lesson first"):
        homework_assign_from_session(session=session, episodes=[a], by=world.alice, due_on=TODAY)
    session_lesson_set(session=session, lesson=a_lesson(), by=world.alice)
    with pytest.raises(ValidationError, match="booked"):
        homework_assign_from_session(session=session, episodes=[a, b], by=world.alice, due_on=TODAY)
    created = homework_assign_from_session(session=session, episodes=[a], by=world.alice, due_on=TODAY)
    assert [h.patient for h in created] == [world.patient_a] and created[0].session == session
    assert homework_assign_from_session(session=session, episodes=[a], by=world.alice, due_on=TODAY) == []


def test_an_outcome_other_than_done_needs_a_note(world):
    homework = homework_assign(patient=world.patient_a, by=world.alice, lesson=a_lesson(), due_on=TODAY)
    with pytest.raises(ValidationError) as caught:
        homework_record_outcome(homework=homework, by=world.alice, status=HomeworkStatus.PARTLY)
    assert "note" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        homework_record_outcome(
            homework=homework, by=world.alice, status="done", completed_on=TODAY + datetime.timedelta(days=1)
        )
    assert "completed_on" in caught.value.message_dict
    homework_record_outcome(
        homework=homework, by=world.alice, status=HomeworkStatus.NOT_DONE, note="Busy week."
    )
    homework.refresh_from_db()
    assert homework.status == HomeworkStatus.NOT_DONE and homework.completion_recorded_by == world.alice
    event = events(Action.UPDATE, object_id=str(homework.uuid)).get()
    assert event.detail == {"status": "not_done", "previous_status": "assigned"}


# --- the practice log --------------------------------------------------------------------------------------


def practice(world, **overrides):
    values = {
        "patient": world.patient_a,
        "by": world.alice,
        "practiced_on": TODAY,
        "situation": "Crowded bus.",
        "distress_before": 8,
        "distress_after": 4,
        "skill_text": "Paced breathing",
    }
    values.update(overrides)
    return practice_log_add(**values)


def test_practice_is_recorded_with_who_entered_it_and_audited(world):
    lesson = a_lesson()
    entry = practice(world, lesson=lesson, skill_text="")
    assert (
        entry.module == lesson.module
        and entry.entered_by == world.alice
        and entry.source == EntrySource.STAFF
    )
    assert entry.change == -4 and entry.skill_label == lesson.title
    assert events(Action.CREATE, object_id=str(entry.uuid), patient=world.patient_a).count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"distress_before": 11}, "distress_before"),
        ({"distress_after": -1}, "distress_after"),
        ({"distress_after": True}, "distress_after"),
        ({"skill_text": ""}, "skill"),
        ({"situation": " "}, "situation"),
        ({"practiced_on": TODAY + datetime.timedelta(days=1)}, "practiced_on"),
    ],
)
def test_practice_entries_are_validated(world, overrides, field):
    with pytest.raises(ValidationError) as caught:
        practice(world, **overrides)
    assert field in caught.value.message_dict
    assert not PracticeLogEntry.objects.exists()


def test_only_the_patient_enters_their_own_practice(world):
    with pytest.raises(ValidationError, match="Only the patient"):
        practice(world, source=EntrySource.PATIENT)
    entry = practice(world, by=world.pat_a, source=EntrySource.PATIENT)
    assert entry.entered_by == world.pat_a


def test_the_database_refuses_distress_above_ten(world):
    entry = practice(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        PracticeLogEntry.objects.filter(pk=entry.pk).update(distress_after=11)
