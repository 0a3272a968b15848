import datetime

import pytest
from django.core.exceptions import ValidationError

from openiop.audit.models import Action, AuditEvent
from openiop.patients.models import EpisodeStatus
from openiop.scheduling.models import (
    AttendanceStatus,
    Closure,
    GroupMembership,
    Session,
    SessionAttendee,
    SessionStatus,
)
from openiop.scheduling.services import (
    attendance_minutes,
    attendance_record,
    roster_change,
    session_cancel,
    sessions_generate,
)

from .factories import PAST_MONDAY, active_episode, enrol, group_series, session_with

NEXT_MONDAY = datetime.date(2026, 11, 30)


@pytest.fixture
def groups(world):
    monday = group_series(world, weekday=0)
    wednesday = group_series(world, weekday=2, facilitators=[world.alice, world.bob])
    for series in (monday, wednesday):
        enrol(series, active_episode(world.patient_a), active_episode(world.patient_b))
    return monday, wednesday


def test_generating_a_week_creates_each_groups_session_with_facilitators_and_roster(world, groups):
    created = sessions_generate(program=world.program_a, week_start=PAST_MONDAY, by=world.dana)
    assert [s.date for s in created] == [PAST_MONDAY, PAST_MONDAY + datetime.timedelta(days=2)]
    wednesday = created[1]
    assert set(wednesday.clinicians.all()) == {world.alice, world.bob}
    assert wednesday.start_time == datetime.time(9) and wednesday.room.name == "Room 1"
    assert wednesday.attendees.count() == 2
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="scheduling.session").count() == 2


def test_generating_twice_creates_nothing_and_keeps_attendance(world, groups):
    first = sessions_generate(program=world.program_a, week_start=PAST_MONDAY, by=world.dana)
    attendee = first[0].attendees.first()
    attendance_record(
        session=first[0], entries=[(attendee, AttendanceStatus.PRESENT, None, "")], by=world.alice
    )
    assert sessions_generate(program=world.program_a, week_start=PAST_MONDAY, by=world.dana) == []
    assert Session.objects.count() == 2 and SessionAttendee.objects.count() == 4
    attendee.refresh_from_db()
    assert attendee.status == AttendanceStatus.PRESENT and attendee.minutes_attended == 180


def test_closures_of_the_program_or_the_organization_mean_no_session(world, groups):
    Closure.objects.create(program=world.program_a, date=PAST_MONDAY, name="Staff training")
    Closure.objects.create(program=None, date=PAST_MONDAY + datetime.timedelta(days=2), name="Holiday")
    Closure.objects.create(program=world.program_b, date=NEXT_MONDAY, name="Other program only")
    assert sessions_generate(program=world.program_a, week_start=PAST_MONDAY, by=world.dana) == []
    assert len(sessions_generate(program=world.program_a, week_start=NEXT_MONDAY, by=world.dana)) == 2


def test_series_dates_and_memberships_and_episode_status_are_respected(world):
    starts_late = group_series(world, weekday=0, starts_on=PAST_MONDAY + datetime.timedelta(days=1))
    ended = group_series(world, weekday=2, ends_on=PAST_MONDAY + datetime.timedelta(days=1))
    last_day = group_series(world, weekday=4, ends_on=PAST_MONDAY + datetime.timedelta(days=4))
    episode_a, episode_b = active_episode(world.patient_a), active_episode(world.patient_b)
    enrol(last_day, episode_a)
    enrol(last_day, episode_b, starts_on=PAST_MONDAY, ends_on=PAST_MONDAY + datetime.timedelta(days=4))
    created = sessions_generate(program=world.program_a, week_start=PAST_MONDAY, by=world.dana)
    assert [s.series for s in created] == [last_day]
    assert [a.episode for a in created[0].attendees.all()] == [episode_a]
    assert starts_late.sessions.count() == 0 and ended.sessions.count() == 0


def test_discharged_episodes_are_not_booked(world, groups):
    episode_b = active_episode(world.patient_b)
    episode_b.status = EpisodeStatus.DISCHARGED
    episode_b.discharged_on = PAST_MONDAY
    episode_b.save()
    created = sessions_generate(program=world.program_a, week_start=PAST_MONDAY, by=world.dana)
    assert all(
        list(s.attendees.values_list("episode", flat=True)) == [active_episode(world.patient_a).pk]
        for s in created
    )


def test_a_week_starts_on_a_monday(world, groups):
    with pytest.raises(ValidationError):
        sessions_generate(
            program=world.program_a, week_start=PAST_MONDAY + datetime.timedelta(days=1), by=world.dana
        )


def test_removing_from_a_roster_leaves_past_sessions_untouched(world, groups):
    monday, _ = groups
    episode_b = active_episode(world.patient_b)
    past = sessions_generate(program=world.program_a, week_start=PAST_MONDAY, by=world.dana)
    future = sessions_generate(program=world.program_a, week_start=NEXT_MONDAY, by=world.dana)
    unrecorded_past_week = [s for s in past if s.series == monday][0]
    recorded = unrecorded_past_week.attendees.get(episode=episode_b)
    attendance_record(
        session=unrecorded_past_week, entries=[(recorded, AttendanceStatus.PRESENT, None, "")], by=world.alice
    )
    roster_change(series=monday, episode=episode_b, effective=PAST_MONDAY, action="remove", by=world.dana)
    # The recorded past session keeps them; the future Monday session drops them.
    assert unrecorded_past_week.attendees.filter(episode=episode_b).exists()
    future_monday = [s for s in future if s.series == monday][0]
    assert not future_monday.attendees.filter(episode=episode_b).exists()
    assert GroupMembership.objects.get(series=monday, episode=episode_b).ends_on == PAST_MONDAY
    # The Wednesday group is another roster: unchanged.
    assert all(s.attendees.filter(episode=episode_b).exists() for s in future if s.series != monday)
    # And generating again does not book them back.
    sessions_generate(program=world.program_a, week_start=NEXT_MONDAY, by=world.dana)
    assert not future_monday.attendees.filter(episode=episode_b).exists()


def test_adding_to_a_roster_books_only_sessions_from_that_date(world):
    series = group_series(world, weekday=0)
    episode_a = active_episode(world.patient_a)
    sessions_generate(program=world.program_a, week_start=PAST_MONDAY, by=world.dana)
    sessions_generate(program=world.program_a, week_start=NEXT_MONDAY, by=world.dana)
    roster_change(
        series=series,
        episode=episode_a,
        effective=PAST_MONDAY + datetime.timedelta(days=1),
        action="add",
        by=world.dana,
    )
    assert list(
        SessionAttendee.objects.filter(episode=episode_a).values_list("session__date", flat=True)
    ) == [NEXT_MONDAY]
    with pytest.raises(ValidationError):
        roster_change(series=series, episode=episode_a, effective=NEXT_MONDAY, action="add", by=world.dana)
    with pytest.raises(ValidationError):
        roster_change(
            series=series,
            episode=active_episode(world.patient_b),
            effective=NEXT_MONDAY,
            action="remove",
            by=world.dana,
        )
    assert (
        AuditEvent.objects.filter(object_type="scheduling.groupmembership", patient=world.patient_a).count()
        == 1
    )


def test_a_person_from_another_program_cannot_join(world):
    series = group_series(world, weekday=0)
    with pytest.raises(ValidationError):
        roster_change(
            series=series,
            episode=active_episode(world.patient_c),
            effective=NEXT_MONDAY,
            action="add",
            by=world.dana,
        )


@pytest.mark.parametrize(
    "status, minutes, stored",
    [
        (AttendanceStatus.PRESENT, None, 180),
        (AttendanceStatus.PRESENT, 180, 180),
        (AttendanceStatus.LATE, 120, 120),
        (AttendanceStatus.LEFT_EARLY, 1, 1),
        (AttendanceStatus.ABSENT_EXCUSED, None, 0),
        (AttendanceStatus.ABSENT_UNEXCUSED, 90, 0),
        (AttendanceStatus.CANCELLED, None, 0),
        (AttendanceStatus.SCHEDULED, None, None),
    ],
)
def test_attendance_minutes_follow_the_status(status, minutes, stored):
    assert attendance_minutes(status, minutes, 180) == stored


@pytest.mark.parametrize(
    "status, minutes",
    [
        (AttendanceStatus.PRESENT, 170),
        (AttendanceStatus.LATE, None),
        (AttendanceStatus.LATE, 180),
        (AttendanceStatus.LEFT_EARLY, 0),
        (AttendanceStatus.PRESENT, 181),
        (AttendanceStatus.ABSENT_EXCUSED, -1),
        ("asleep", None),
    ],
)
def test_attendance_minutes_refuse_what_cannot_be(status, minutes):
    with pytest.raises(ValidationError):
        attendance_minutes(status, minutes, 180)


def test_recording_attendance_saves_changed_rows_and_audits_each_person(world):
    episodes = [active_episode(world.patient_a), active_episode(world.patient_b)]
    session = session_with(world, PAST_MONDAY, episodes)
    a, b = session.attendees.order_by("episode__patient__legal_given_name")
    changed = attendance_record(
        session=session,
        entries=[(a, AttendanceStatus.LATE, 120, "Bus"), (b, AttendanceStatus.SCHEDULED, None, "")],
        by=world.alice,
    )
    assert changed == [a]
    a.refresh_from_db()
    assert (a.status, a.minutes_attended, a.note, a.recorded_by) == ("late", 120, "Bus", world.alice)
    assert a.recorded_at is not None
    events = AuditEvent.objects.filter(object_type="scheduling.sessionattendee", action=Action.UPDATE)
    assert [e.patient for e in events] == [world.patient_a]


def test_one_bad_row_records_nothing(world):
    session = session_with(
        world, PAST_MONDAY, [active_episode(world.patient_a), active_episode(world.patient_b)]
    )
    a, b = session.attendees.all()
    with pytest.raises(ValidationError) as error:
        attendance_record(
            session=session,
            entries=[(a, AttendanceStatus.PRESENT, None, ""), (b, AttendanceStatus.LATE, None, "")],
            by=world.alice,
        )
    assert "Late or left early" in str(error.value)
    assert not SessionAttendee.objects.exclude(status=AttendanceStatus.SCHEDULED).exists()


def test_attendance_cannot_be_recorded_before_the_session(world):
    session = session_with(world, NEXT_MONDAY, [active_episode(world.patient_a)])
    with pytest.raises(ValidationError, match="not before"):
        attendance_record(
            session=session,
            entries=[(session.attendees.get(), AttendanceStatus.PRESENT, None, "")],
            by=world.alice,
            today=NEXT_MONDAY - datetime.timedelta(days=1),
        )


def test_an_attendee_of_another_session_is_refused(world):
    one = session_with(world, PAST_MONDAY, [active_episode(world.patient_a)])
    other = session_with(world, PAST_MONDAY, [active_episode(world.patient_b)], start=13, end=15)
    with pytest.raises(ValidationError):
        attendance_record(
            session=one, entries=[(other.attendees.get(), AttendanceStatus.PRESENT, None, "")], by=world.alice
        )


def test_cancelling_a_session_cancels_every_booking(world):
    session = session_with(
        world, NEXT_MONDAY, [active_episode(world.patient_a), active_episode(world.patient_b)]
    )
    with pytest.raises(ValidationError):
        session_cancel(session=session, reason="  ", by=world.dana)
    session_cancel(session=session, reason="Facilitator ill", by=world.dana)
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED and session.cancel_reason == "Facilitator ill"
    assert set(session.attendees.values_list("status", "minutes_attended")) == {("cancelled", 0)}
    assert AuditEvent.objects.filter(object_id=str(session.uuid), action=Action.UPDATE).count() == 1
    with pytest.raises(ValidationError, match="cancelled"):
        attendance_record(
            session=session,
            entries=[(session.attendees.first(), AttendanceStatus.PRESENT, None, "")],
            by=world.alice,
            today=NEXT_MONDAY,
        )


def test_a_session_that_took_place_cannot_be_cancelled(world):
    session = session_with(world, PAST_MONDAY, [active_episode(world.patient_a)])
    attendance_record(
        session=session,
        entries=[(session.attendees.get(), AttendanceStatus.PRESENT, None, "")],
        by=world.alice,
    )
    with pytest.raises(ValidationError):
        session_cancel(session=session, reason="Too late", by=world.dana)
