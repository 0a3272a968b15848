"""The skills demo content: curriculum always, sessions tied to lessons in order, homework and practice;
idempotent, and graceful without sessions."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from openiop.scheduling.models import AttendanceStatus
from openiop.scheduling.tests.factories import PAST_MONDAY
from openiop.skills.demo import load_demo_skills
from openiop.skills.models import Homework, Lesson, PracticeLogEntry, SessionLesson

from .factories import skills_session

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def test_without_sessions_the_demo_loads_the_curriculum_only(world):
    assert load_demo_skills(today=TODAY) == 8 + 29
    assert Lesson.objects.count() == 29 and not SessionLesson.objects.exists()
    assert load_demo_skills(today=TODAY) == 0


def test_past_skills_groups_teach_lessons_in_order_and_attendees_get_homework_and_practice(world):
    episode = world.patient_a.episodes.get()
    sessions = [
        skills_session(world, PAST_MONDAY - datetime.timedelta(days=7 * week), [episode]) for week in (2, 0)
    ]
    for session in sessions:
        session.attendees.update(status=AttendanceStatus.PRESENT)
    load_demo_skills(today=TODAY)
    first, second = (SessionLesson.objects.get(session=s).lesson for s in sessions)
    ordered = list(Lesson.objects.in_order())
    assert ordered.index(second) == ordered.index(first) + 1
    homework = Homework.objects.filter(patient=world.patient_a)
    assert homework.count() == 2 and all(h.created_by == world.alice for h in homework)
    assert {h.session for h in homework} == set(sessions)
    assert 2 <= PracticeLogEntry.objects.filter(patient=world.patient_a).count() <= 3
    assert load_demo_skills(today=TODAY) == 0


def test_the_command_loads_the_curriculum_and_reports_a_broken_file(tmp_path, capsys):
    call_command("load_curriculum")
    assert "29 lessons added" in capsys.readouterr().out
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"\$\.modules: is missing"):
        call_command("load_curriculum", str(broken))
