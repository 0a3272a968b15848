"""Demo content of the skills app: the curriculum, lessons of the demo programs' past skills and
psychoeducation groups, homework given from those lessons (with outcomes once due) and practice-log entries.

Idempotent and deterministic: a session that already has a lesson keeps it; homework is keyed by patient
and session, practice by patient; variation comes from generators seeded with each record number. Only
synthetic patients of the demo programs are touched. With no sessions yet (the demo calendar not loaded),
only the curriculum is loaded.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from openiop.accounts.models import User
from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeStatus, Patient
from openiop.scheduling.models import Session, SessionKind, SessionStatus

from .curriculum import shipped_curriculum
from .models import Homework, HomeworkStatus, Lesson, PracticeLogEntry, SessionLesson
from .selectors import lessons_had
from .services import (
    curriculum_sync,
    homework_assign,
    homework_record_outcome,
    practice_log_add,
    session_lesson_set,
)

DEMO_PROGRAMS = ("Adult MH", "Teen COD")
LESSON_KINDS = (SessionKind.SKILLS_GROUP, SessionKind.PSYCHOEDUCATION)
LOADER_USERNAME = "demo-loader"

OUTCOMES = (
    (HomeworkStatus.DONE, "Practised most days; brought notes to group."),
    (HomeworkStatus.DONE, ""),
    (HomeworkStatus.PARTLY, "Managed twice; a double shift got in the way. Will try mornings."),
    (HomeworkStatus.NOT_DONE, "Forgot after a stressful week; set a phone reminder together."),
)
SITUATIONS = (
    "Argument with a family member about chores.",
    "Crowded bus on the way to work, heart racing.",
    "Could not sleep, thoughts going round in circles.",
    "Strong urge after walking past the old bar.",
    "Criticised by a supervisor in front of colleagues.",
    "Waiting for test results, felt on edge all afternoon.",
)


def _loader():
    return User.objects.filter(username=LOADER_USERNAME).first()


def load_demo_skills(*, today: datetime.date) -> int:
    """Load the skills demo content; returns how many records it created or changed (0 when already there)."""
    by = _loader()
    changed = curriculum_sync(curriculum=shipped_curriculum(), by=by).changed
    # Services refuse dates after the real today; the demo's `today` is the load day, never later.
    today = min(today, timezone.localdate())
    with transaction.atomic():
        changed += _tie_sessions(today, by)
        patients = list(
            Patient.objects.filter(
                is_synthetic=True,
                episodes__status=EpisodeStatus.ACTIVE,
                episodes__program__short_name__in=DEMO_PROGRAMS,
            )
            .distinct()
            .order_by("record_number")
        )
        for patient in patients:
            # The primary clinician gives the homework and enters the practice, as in the program.
            clinician = _primary_clinician(patient) or by
            if clinician is None:
                continue
            changed += _homework(patient, today, clinician)
            changed += _practice(patient, today, clinician)
    return changed


def _primary_clinician(patient: Patient):
    member = (
        CareTeamMember.objects.filter(
            episode__patient=patient,
            episode__status=EpisodeStatus.ACTIVE,
            role=CareTeamRole.PRIMARY_CLINICIAN,
        )
        .select_related("user")
        .first()
    )
    return member.user if member else None


def _tie_sessions(today: datetime.date, by) -> int:
    """Each past skills or psychoeducation group teaches the curriculum's lessons in order, each recurring
    group starting at a different module so that groups of one program do not repeat each other."""
    lessons = list(Lesson.objects.in_order().filter(origin="shipped"))
    if not lessons:
        return 0
    sessions = (
        Session.objects.filter(
            program__short_name__in=DEMO_PROGRAMS,
            session_type__kind__in=LESSON_KINDS,
            status=SessionStatus.SCHEDULED,
            date__lt=today,
        )
        .select_related("series", "session_type")
        .order_by("series_id", "date", "start_time")
    )
    tied = set(SessionLesson.objects.filter(session__in=sessions).values_list("session_id", flat=True))
    count, position = 0, {}
    for session in sessions:
        key = session.series_id or 0
        k = position.setdefault(key, 0)
        position[key] = k + 1
        if session.pk in tied:
            continue
        offset = (key * 7) % len(lessons)
        session_lesson_set(session=session, lesson=lessons[(offset + k) % len(lessons)], by=by)
        count += 1
    return count


def _homework(patient: Patient, today: datetime.date, by) -> int:
    """The homework of the patient's latest lesson and of one about two weeks earlier; most past-due
    homework has an outcome, some is left overdue (as in any program)."""
    if Homework.objects.filter(patient=patient).exists():
        return 0
    had = lessons_had(patient)
    if not had:
        return 0
    earlier = next((item for item in had if item.on <= had[0].on - datetime.timedelta(days=10)), None)
    rng = random.Random(f"skills-homework-{patient.record_number}")  # noqa: S311 (demo data)
    count = 0
    for item in [had[0], *([earlier] if earlier else [])]:
        homework = homework_assign(
            patient=patient,
            by=by,
            lesson=item.lesson,
            session=item.session,
            assigned_on=item.on,
            due_on=item.on + datetime.timedelta(days=7),
        )
        count += 1
        if homework.due_on < today and rng.random() < 0.75:
            status, note = rng.choice(OUTCOMES)
            homework_record_outcome(
                homework=homework, by=by, status=status, note=note, completed_on=homework.due_on
            )
    return count


def _practice(patient: Patient, today: datetime.date, by) -> int:
    """Two or three practice entries for skills of lessons the patient had."""
    if PracticeLogEntry.objects.filter(patient=patient).exists():
        return 0
    had = lessons_had(patient)
    if not had:
        return 0
    rng = random.Random(f"skills-practice-{patient.record_number}")  # noqa: S311 (demo data)
    count = 0
    for _ in range(rng.randint(2, 3)):
        item = rng.choice(had)
        day = min(today, item.on + datetime.timedelta(days=rng.randint(1, 6)))
        before = rng.randint(5, 9)
        practice_log_add(
            patient=patient,
            by=by,
            practiced_on=day,
            lesson=item.lesson,
            situation=rng.choice(SITUATIONS),
            distress_before=before,
            distress_after=max(0, before - rng.randint(0, 4)),
            notes=rng.choice(("", "Helped more than expected.", "Hard to remember in the moment.")),
        )
        count += 1
    return count
