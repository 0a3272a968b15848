"""Builders of skills data for the tests (plain functions, composable with the shared `world`)."""

import datetime

from openiop.scheduling.models import SessionKind, SessionType
from openiop.scheduling.tests.factories import session_with
from openiop.skills.curriculum import shipped_curriculum
from openiop.skills.models import Homework, Lesson, Module, Origin
from openiop.skills.services import curriculum_sync


def load_shipped():
    curriculum_sync(curriculum=shipped_curriculum())
    return Lesson.objects.in_order()


def a_lesson(code: str = "walk-lesson", module_code: str = "walk-module") -> Lesson:
    """One small shipped-looking lesson, without loading the whole curriculum."""
    module, _ = Module.objects.get_or_create(
        code=module_code,
        defaults={
            "title": "Coping skills",
            "summary": "Getting through hard moments.",
            "origin": Origin.SHIPPED,
        },
    )
    lesson, _ = Lesson.objects.get_or_create(
        code=code,
        defaults={
            "module": module,
            "title": f"Calming the body ({code})",
            "objectives": ["Lower arousal."],
            "outline": ["Check-in.", "Practice."],
            "exercise": "Paced breathing.",
            "homework": "Practise paced breathing daily.",
            "origin": Origin.SHIPPED,
        },
    )
    return lesson


def skills_session(world, day: datetime.date, episodes, **kwargs):
    """A skills group on `day`, led by alice unless told, with `episodes` booked."""
    session = session_with(world, day, episodes, **kwargs)
    session.session_type, _ = SessionType.objects.get_or_create(
        name="Skills group", defaults={"kind": SessionKind.SKILLS_GROUP, "default_minutes": 90}
    )
    session.save(update_fields=["session_type"])
    return session


def homework_for(world, patient=None, *, due_on=None, by=None) -> Homework:
    patient = patient or world.patient_a
    today = datetime.date.today()  # noqa: DTZ011 (tests: the local date of the test run)
    return Homework.objects.create(
        patient=patient,
        episode=patient.episodes.get(status="active"),
        title="Breathing practice",
        instructions="Practise daily.",
        assigned_on=today - datetime.timedelta(days=7),
        due_on=due_on or today - datetime.timedelta(days=1),
        created_by=by or world.alice,
    )
