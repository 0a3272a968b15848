"""The demo calendar: groups, rosters, weeks of sessions and attendance, engagement alerts, next week's plan.

Each demo load takes a few seconds, so these tests share few loads and check several things each.
"""

import datetime
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from openiop.accounts.models import User
from openiop.demo.builder import load_demo
from openiop.demo.scheduling import COUNTED, Booking, contents, plan_attendance
from openiop.home.models import Task, TaskStatus
from openiop.patients.models import CareTeamRole, EpisodeOfCare, EpisodeStatus, Patient
from openiop.scheduling.ledger import week_start_of
from openiop.scheduling.models import (
    AlertKind,
    AttendanceStatus,
    Closure,
    EngagementAlert,
    GroupMembership,
    GroupSeries,
    Room,
    SchedulingPreferences,
    Session,
    SessionAttendee,
    SessionKind,
    SessionStatus,
    SessionType,
    WeeklyTime,
    WeekPlan,
    WeekPlanStatus,
)
from openiop.scheduling.selectors import ledger_for_episode

TODAY = datetime.date(2026, 11, 27)  # a Friday
THIS_WEEK = week_start_of(TODAY)
WEEK = datetime.timedelta(days=7)


@pytest.fixture
def loaded(db):
    return load_demo(today=TODAY)


def _credentials(user) -> set[str]:
    return {part.strip() for part in user.staff_profile.credentials.split(",")}


def test_the_calendar_has_types_rooms_a_holiday_and_groups_led_by_credentialed_clinicians(loaded):
    assert {t.kind for t in SessionType.objects.all()} == set(SessionKind.values)
    telehealth = Room.objects.get(is_telehealth=True)
    assert "{token}" in telehealth.video_link_template and "example.org" in telehealth.video_link_template
    assert Room.objects.filter(is_telehealth=False, is_accessible=False).exists()
    [closure] = Closure.objects.all()
    assert closure.program is None and closure.date == THIS_WEEK + WEEK + 4 * datetime.timedelta(days=1)
    assert not Session.objects.filter(date=closure.date).exists()

    series = list(GroupSeries.objects.select_related("track", "session_type", "room"))
    assert {(s.program.short_name, s.track.name) for s in series} == {
        ("Adult MH", "Morning"),
        ("Adult MH", "Evening"),
        ("Teen COD", "After school"),
    }
    for group in series:
        assert 6 <= group.capacity <= 12
        assert group.weekday in group.track.weekdays
        assert group.track.start_time <= group.start_time < group.end_time <= group.track.end_time
        facilitators = list(group.facilitators.all())
        assert facilitators and group.room.capacity >= group.capacity + len(facilitators)
        for user in facilitators:
            allowed = set(group.session_type.allowed_credentials)
            assert not allowed or allowed & _credentials(user), (group.name, user.username)
            assert user.staff_profile.programs.filter(pk=group.program_id).exists()
    # Each track's groups fill exactly its hours, so the track delivers the program's weekly target.
    for track in {s.track for s in series}:
        minutes = sum(
            s.end_time.hour * 60 + s.end_time.minute - s.start_time.hour * 60 - s.start_time.minute
            for s in series
            if s.track == track
        )
        assert minutes == track.program.weekly_hours_target * 60
    assert GroupSeries.objects.filter(room__is_telehealth=True).exists()


def test_active_patients_are_on_their_tracks_rosters_with_availability_and_preferences(loaded):
    active = EpisodeOfCare.objects.filter(status=EpisodeStatus.ACTIVE).select_related("patient", "track")
    for episode in active:
        memberships = GroupMembership.objects.filter(episode=episode).select_related("series")
        assert {m.series for m in memberships} == set(GroupSeries.objects.filter(track=episode.track))
        assert all(
            m.starts_on >= episode.admitted_on or m.starts_on == m.series.starts_on for m in memberships
        )
        times = WeeklyTime.objects.filter(patient=episode.patient)
        assert times.filter(kind="available").exists()
        assert times.exclude(kind="available").exists()  # work, school or family
        assert SchedulingPreferences.objects.filter(patient=episode.patient).exists()
    assert not GroupMembership.objects.exclude(episode__status=EpisodeStatus.ACTIVE).exists()
    assert set(WeeklyTime.objects.values_list("kind", flat=True)) >= {"work", "school", "family"}
    assert WeeklyTime.objects.filter(user__username="clinician", kind="available").exists()


def test_six_weeks_of_sessions_with_attendance_recorded_before_today(loaded):
    sessions = Session.objects.all()
    assert sessions.order_by("date").first().date == THIS_WEEK - 4 * WEEK
    assert sessions.order_by("date").last().date >= THIS_WEEK + WEEK
    assert (
        sessions.filter(series__isnull=True, session_type__kind=SessionKind.INDIVIDUAL_THERAPY).count() >= 4
    )
    assert sessions.filter(session_type__kind=SessionKind.MEDICATION_MANAGEMENT, date__lt=TODAY).exists()
    assert not sessions.filter(status=SessionStatus.CANCELLED).exists()

    past = SessionAttendee.objects.filter(session__date__lt=TODAY).select_related("session")
    assert past.count() > 400
    assert not past.filter(status=AttendanceStatus.SCHEDULED).exists()
    assert not past.filter(recorded_by__isnull=True).exists()
    assert (
        not SessionAttendee.objects.filter(session__date__gte=TODAY)
        .exclude(status=AttendanceStatus.SCHEDULED)
        .exists()
    )
    statuses = Counter(past.values_list("status", flat=True))
    assert statuses[AttendanceStatus.PRESENT] > 0.9 * len(past)
    for status in (AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY, AttendanceStatus.ABSENT_UNEXCUSED):
        assert statuses[status] > 0, status
    for attendee in past.filter(status__in=[AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY]):
        assert 0 < attendee.minutes_attended < attendee.session.minutes and attendee.note
    # Facilitators record their own groups.
    for attendee in past.filter(session__series__isnull=False)[:50]:
        assert attendee.recorded_by in attendee.session.clinicians.all()
    # Next week: every active patient is booked into their groups, ready for the planner.
    assert SessionAttendee.objects.filter(session__date__gte=THIS_WEEK + WEEK).exists()


def test_the_main_clinician_sees_an_under_target_week_and_two_absences_in_a_row_on_my_day(loaded, client):
    clinician = User.objects.get(username="clinician")
    alerts = EngagementAlert.objects.filter(
        episode__care_team_members__user=clinician,
        episode__care_team_members__role=CareTeamRole.PRIMARY_CLINICIAN,
    ).select_related("episode__patient", "task")
    kinds = Counter(alert.kind for alert in alerts)
    assert kinds[AlertKind.UNDER_TARGET] >= 1 and kinds[AlertKind.CONSECUTIVE_ABSENCES] >= 1
    [absences] = [a for a in alerts if a.kind == AlertKind.CONSECUTIVE_ABSENCES]
    # The patient of her "Call about two missed groups" task is the one who missed them.
    assert Task.objects.filter(
        title="Call about two missed groups", patient=absences.episode.patient
    ).exists()
    assert absences.week_start == THIS_WEEK - WEEK
    for alert in alerts:
        assert alert.task.assigned_to == clinician and alert.task.status == TaskStatus.OPEN
        assert alert.task.created_by is not None
    ledger = ledger_for_episode(absences.episode, today=TODAY)
    assert [w.week_start for w in ledger.weeks_under_target][-1] == THIS_WEEK - WEEK

    client.force_login(clinician)
    response = client.get(reverse("home:my_day"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Follow up: 2 consecutive absences" in body
    assert "Follow up:" in body and "h target, week of" in body
    # No alert for a week that has not ended, nor for weeks outside the episode.
    assert not EngagementAlert.objects.filter(kind=AlertKind.UNDER_TARGET, week_start__gte=THIS_WEEK).exists()


def test_next_week_has_a_draft_plan_without_violations(loaded):
    plans = WeekPlan.objects.all()
    assert plans.count() == 2
    for plan in plans:
        assert plan.week_start == THIS_WEEK + WEEK and plan.status == WeekPlanStatus.DRAFT
        assert plan.violations == [] and plan.bookings.exists()
    # The Friday holiday costs the morning track 3 h; the plan says why those people fall short.
    adult = plans.get(program__short_name="Adult MH")
    assert adult.explanations
    assert all("available" in why["message"] for why in adult.explanations.values())


def test_counts_match_the_rows_created_and_every_booked_person_is_synthetic(loaded):
    tables = {
        "session types": SessionType.objects.count(),
        "rooms": Room.objects.count(),
        "closures": Closure.objects.count(),
        "group series": GroupSeries.objects.count(),
        "group memberships": GroupMembership.objects.count(),
        "weekly times": WeeklyTime.objects.count(),
        "scheduling preferences": SchedulingPreferences.objects.count(),
        "sessions": Session.objects.count(),
        "session bookings": SessionAttendee.objects.count(),
        "engagement alerts": EngagementAlert.objects.count(),
        "week plans": WeekPlan.objects.count(),
    }
    assert {label: loaded.created[label] for label in tables} == tables
    assert loaded.created["follow-up tasks"] == EngagementAlert.objects.exclude(task=None).count()
    assert {label for label, _model in COUNTED} <= set(loaded.created)
    assert dict(contents())["sessions"] == Session.objects.count()

    assert not Patient.objects.filter(is_synthetic=False).exists()
    booked = Patient.objects.filter(episodes__session_bookings__isnull=False).distinct()
    assert booked.exists() and not booked.filter(is_synthetic=False).exists()
    assert not Patient.objects.filter(weekly_times__isnull=False, is_synthetic=False).exists()


def _calendar() -> dict:
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for _label, model in COUNTED
        if model is not Task
    } | {"tasks": list(Task.objects.order_by("pk").values())}


def test_loading_again_even_weeks_later_adds_and_moves_nothing(loaded, monkeypatch):
    # The loaders never date anything after the clock's today (services refuse it), so a load "weeks later"
    # is a load on the clock's day. Once the real clock had passed TODAY that day moved with it, and the
    # reload tied the lessons of sessions that had become past since TODAY: the clock is held on TODAY here.
    noon = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12)))
    started = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: noon + (datetime.datetime.now(datetime.UTC) - started))
    before = _calendar()
    assert load_demo(today=TODAY).nothing_changed
    assert load_demo(today=TODAY + 3 * WEEK).nothing_changed
    assert _calendar() == before


def test_a_demo_loaded_without_a_calendar_gains_it_once(db, monkeypatch):
    from openiop.demo import builder

    monkeypatch.setattr(builder, "load_scheduling", lambda *args, **kwargs: None)
    load_demo(today=TODAY)
    assert not Session.objects.exists()
    monkeypatch.undo()
    result = load_demo(today=TODAY)
    assert result.created["patients"] == 0 and result.created["sessions"] == Session.objects.count() > 0
    assert load_demo(today=TODAY).nothing_changed


# --- The attendance plan (pure) --------------------------------------------------------------------------


def _bookings(record_number: str, monday: datetime.date, weeks: int, start_key: int = 0) -> list[Booking]:
    """Mon/Wed/Fri, two 90-minute groups a day."""
    rows = []
    for week in range(weeks):
        for day in (0, 2, 4):
            for hour in (9, 10):
                rows.append(
                    Booking(
                        start_key + len(rows),
                        record_number,
                        monday + week * WEEK + datetime.timedelta(days=day),
                        datetime.time(hour, 30 if hour == 10 else 0),
                        90,
                    )
                )
    return rows


def test_attendance_plan_is_the_same_every_time_and_mostly_present():
    monday = datetime.date(2026, 10, 26)
    bookings = [b for n in range(20) for b in _bookings(f"OI9{n:06d}", monday, 4, start_key=1000 * n)]
    first = plan_attendance(bookings, two_absences={}, short_week={})
    assert first == plan_attendance(list(reversed(bookings)), two_absences={}, short_week={})
    assert set(first) == {b.key for b in bookings}
    statuses = Counter(mark.status for mark in first.values())
    assert statuses[AttendanceStatus.PRESENT] > 0.9 * len(bookings)
    assert len(statuses) > 2
    lengths = {b.key: b.minutes for b in bookings}
    for key, mark in first.items():
        if mark.status in (AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY):
            assert 0 < mark.minutes < lengths[key]


def test_attendance_plan_stories_miss_two_sessions_on_two_days_and_leave_early_twice():
    monday = datetime.date(2026, 11, 16)
    absent = _bookings("OI9000011", monday, 1)
    short = _bookings("OI9000001", monday, 1, start_key=100)
    marks = plan_attendance(
        absent + short, two_absences={"OI9000011": monday}, short_week={"OI9000001": monday}
    )
    missed = [b for b in absent if marks[b.key].status == AttendanceStatus.ABSENT_UNEXCUSED]
    # Left at Wednesday's break, then missed all of Friday: the run starts and ends on different days.
    assert [(b.date.weekday(), b.start.hour) for b in missed] == [(2, 10), (4, 9), (4, 10)]
    early = [b for b in short if marks[b.key].status == AttendanceStatus.LEFT_EARLY]
    assert len(early) == 2 and all(marks[b.key].minutes == 45 for b in early)
