import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from openiop.home.models import Task
from openiop.scheduling.models import AlertKind, AttendanceStatus, EngagementAlert
from openiop.scheduling.services import attendance_record, engagement_alerts_raise

from .factories import PAST_MONDAY, active_episode, session_with

AFTER_THE_WEEK = PAST_MONDAY + datetime.timedelta(days=7)


def day(offset):
    return PAST_MONDAY + datetime.timedelta(days=offset)


@pytest.fixture
def short_week(world):
    """patient_a attended 6 of 9 hours in the week of 16 November (present, present, excused absence)."""
    episode = active_episode(world.patient_a)
    for offset, status in ((0, "present"), (2, "present"), (4, "absent_excused")):
        session = session_with(world, day(offset), [episode])
        attendee = session.attendees.get()
        attendee.status, attendee.minutes_attended = status, 180 if status == "present" else 0
        attendee.save()
    return episode


def test_a_week_under_target_raises_an_alert_and_a_task_for_the_primary_clinician(world, short_week):
    (alert,) = engagement_alerts_raise(episode=short_week, today=AFTER_THE_WEEK)
    assert (alert.kind, alert.week_start) == (AlertKind.UNDER_TARGET, PAST_MONDAY)
    assert alert.task.assigned_to == world.alice and alert.task.patient == world.patient_a
    assert alert.task.title == "Follow up: 6.0 h attended of 9 h target, week of 2026-11-16"


def test_no_alert_before_the_week_ends(world, short_week):
    assert engagement_alerts_raise(episode=short_week, today=day(6)) == []


def test_raising_again_changes_nothing(world, short_week):
    engagement_alerts_raise(episode=short_week, today=AFTER_THE_WEEK)
    assert (
        engagement_alerts_raise(episode=short_week, today=AFTER_THE_WEEK + datetime.timedelta(days=3)) == []
    )
    assert EngagementAlert.objects.count() == 1 and Task.objects.count() == 1


def test_two_consecutive_absences_raise_an_alert_when_attendance_is_recorded(world):
    episode = active_episode(world.patient_b)
    first = session_with(world, day(2), [episode], clinicians=[world.alice])
    second = session_with(world, day(4), [episode], clinicians=[world.alice])
    attendance_record(
        session=first,
        entries=[(first.attendees.get(), AttendanceStatus.ABSENT_EXCUSED, None, "")],
        by=world.alice,
        today=day(4),
    )
    assert not EngagementAlert.objects.exists()
    attendance_record(
        session=second,
        entries=[(second.attendees.get(), AttendanceStatus.ABSENT_UNEXCUSED, None, "")],
        by=world.alice,
        today=day(4),
    )
    (alert,) = EngagementAlert.objects.all()
    assert alert.kind == AlertKind.CONSECUTIVE_ABSENCES and alert.week_start == PAST_MONDAY
    # patient_b's primary clinician is bob.
    assert alert.task.assigned_to == world.bob
    assert alert.task.title == "Follow up: 2 consecutive absences, last on 2026-11-20"
    # Recording attendance raises only absences: the week is not over, and is not judged here.
    assert not EngagementAlert.objects.filter(kind=AlertKind.UNDER_TARGET).exists()


def test_discharged_episodes_raise_nothing(world, short_week):
    short_week.status = "discharged"
    short_week.discharged_on = AFTER_THE_WEEK
    short_week.save()
    assert engagement_alerts_raise(episode=short_week, today=AFTER_THE_WEEK) == []


def test_without_a_primary_clinician_the_alert_is_raised_without_a_task(world, short_week):
    short_week.care_team_members.filter(role="primary_clinician").delete()
    (alert,) = engagement_alerts_raise(episode=short_week, today=AFTER_THE_WEEK)
    assert alert.task is None


def test_the_command_raises_past_weeks_and_is_idempotent(world, short_week):
    out = StringIO()
    call_command("engagement_alerts", "--today", AFTER_THE_WEEK.isoformat(), stdout=out)
    assert "1 engagement alerts raised." in out.getvalue()
    call_command("engagement_alerts", "--today", AFTER_THE_WEEK.isoformat(), stdout=out)
    assert EngagementAlert.objects.count() == 1


def test_the_follow_up_task_appears_on_alices_my_day(world, short_week, client_for):
    engagement_alerts_raise(episode=short_week, today=AFTER_THE_WEEK)
    page = client_for(world.alice).get(reverse("home:my_day")).content.decode()
    assert "Follow up: 6.0 h attended of 9 h target, week of 2026-11-16" in page
