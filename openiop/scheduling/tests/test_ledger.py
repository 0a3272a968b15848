"""The weekly hours ledger core: plain records in, weeks and absence runs out."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from openiop.scheduling import ledger
from openiop.scheduling.ledger import SessionRecord, weekly_ledger

MON = datetime.date(2026, 11, 16)
TODAY = datetime.date(2026, 11, 27)  # a Friday: the week of 16 November has ended, that of 23 has not


def day(offset: int) -> datetime.date:
    return MON + datetime.timedelta(days=offset)


def test_a_week_adds_up_scheduled_and_attended_hours():
    records = [
        SessionRecord(day(0), 180, "present"),
        SessionRecord(day(2), 180, "late", 120),
        SessionRecord(day(4), 180, "absent_unexcused"),
    ]
    (week,) = weekly_ledger(records, target_hours=Decimal("9"), today=TODAY).weeks
    assert week.week_start == MON
    assert (week.scheduled_hours, week.attended_hours, week.target_hours) == (
        Decimal("9.0"),
        Decimal("5.0"),
        Decimal("9.0"),
    )
    assert week.ended and week.under_target


def test_a_week_in_progress_is_never_under_target():
    records = [SessionRecord(day(7), 180, "absent_excused")]
    (week,) = weekly_ledger(records, target_hours=Decimal("9"), today=TODAY).weeks
    assert not week.ended and not week.under_target


def test_a_week_ends_after_its_sunday():
    records = [SessionRecord(day(0), 180, "present")]
    assert not weekly_ledger(records, target_hours=Decimal("9"), today=day(6)).weeks[0].ended
    assert weekly_ledger(records, target_hours=Decimal("9"), today=day(7)).weeks[0].ended


def test_weeks_of_admission_and_discharge_are_partial():
    records = [SessionRecord(day(2), 180, "present"), SessionRecord(day(9), 180, "present")]
    weeks = weekly_ledger(
        records, target_hours=Decimal("9"), today=day(30), period_start=day(2), period_end=day(10)
    ).weeks
    assert [w.partial for w in weeks] == [True, True]
    assert not any(w.under_target for w in weeks)


def test_cancelled_sessions_count_for_nothing_and_unrecorded_count_as_not_attended():
    records = [
        SessionRecord(day(0), 180, "cancelled", 0),
        SessionRecord(day(2), 180, "scheduled"),
        SessionRecord(day(4), 180, "present", None),
    ]
    (week,) = weekly_ledger(records, target_hours=Decimal("6"), today=TODAY).weeks
    assert (week.scheduled_minutes, week.attended_minutes, week.sessions, week.not_recorded) == (
        360,
        180,
        2,
        1,
    )


def test_a_closure_lowers_the_weeks_target_by_the_sessions_it_cancelled():
    records = [
        SessionRecord(day(0), 180, "present"),
        SessionRecord(day(2), 180, "present"),
        SessionRecord(day(4), 180, "cancelled", closed=True),  # the program was closed on Friday
    ]
    (week,) = weekly_ledger(records, target_hours=Decimal("9"), today=TODAY).weeks
    assert (week.target_minutes, week.closed_minutes, week.attended_minutes) == (360, 180, 360)
    assert not week.under_target
    # A session cancelled for another reason (the facilitator was ill) leaves the target as it was.
    records[2] = SessionRecord(day(4), 180, "cancelled")
    (week,) = weekly_ledger(records, target_hours=Decimal("9"), today=TODAY).weeks
    assert week.target_minutes == 540 and week.under_target


def test_target_met_is_not_under_target():
    records = [SessionRecord(day(d), 180, "present") for d in (0, 2, 4)]
    assert not weekly_ledger(records, target_hours=Decimal("9"), today=TODAY).weeks[0].under_target


def test_two_absences_in_a_row_across_weeks_are_one_run():
    records = [
        SessionRecord(day(2), 180, "present"),
        SessionRecord(day(4), 180, "absent_excused"),
        SessionRecord(day(7), 180, "cancelled"),  # neither breaks nor extends the run
        SessionRecord(day(9), 180, "absent_unexcused"),
        SessionRecord(day(11), 180, "absent_unexcused"),  # same run: no second alert
    ]
    runs = weekly_ledger(records, target_hours=Decimal("9"), today=TODAY).absence_runs
    assert runs == [ledger.AbsenceRun(first_on=day(4), second_on=day(9))]
    assert runs[0].week_start == day(7)


def test_attendance_ends_a_run_and_the_next_run_alerts_again():
    statuses = ["absent_excused", "late", "absent_unexcused", "absent_unexcused", "present", "absent_excused"]
    records = [SessionRecord(day(i), 180, s, 60 if s == "late" else None) for i, s in enumerate(statuses)]
    runs = weekly_ledger(records, target_hours=Decimal("9"), today=TODAY).absence_runs
    assert [(r.first_on, r.second_on) for r in runs] == [(day(2), day(3))]


def test_same_day_sessions_are_ordered_by_start():
    records = [
        SessionRecord(day(0), 60, "absent_excused", order=13 * 60),
        SessionRecord(day(0), 60, "present", order=9 * 60),
        SessionRecord(day(2), 60, "absent_excused", order=9 * 60),
    ]
    assert len(weekly_ledger(records, target_hours=Decimal("9"), today=TODAY).absence_runs) == 1


STATUSES = sorted(ledger.ALL_STATUSES)
records_strategy = st.lists(
    st.builds(
        SessionRecord,
        date=st.dates(min_value=datetime.date(2026, 1, 1), max_value=datetime.date(2026, 12, 31)),
        scheduled_minutes=st.integers(min_value=15, max_value=240),
        status=st.sampled_from(STATUSES),
        minutes_attended=st.one_of(st.none(), st.integers(min_value=0, max_value=300)),
        order=st.integers(min_value=0, max_value=1439),
        closed=st.booleans(),
    ),
    max_size=40,
)
targets = st.decimals(min_value=0, max_value=19, places=1)
todays = st.dates(min_value=datetime.date(2026, 1, 1), max_value=datetime.date(2027, 2, 1))


@given(records_strategy, targets, todays)
def test_attended_never_exceeds_scheduled(records, target, today):
    for week in weekly_ledger(records, target_hours=target, today=today).weeks:
        assert 0 <= week.attended_minutes <= week.scheduled_minutes


@given(records_strategy, targets, todays)
def test_weeks_add_up_to_the_records(records, target, today):
    book = weekly_ledger(records, target_hours=target, today=today)
    counted = [r for r in records if r.status != "cancelled"]
    assert sum(w.scheduled_minutes for w in book.weeks) == sum(r.scheduled_minutes for r in counted)
    assert sum(w.attended_minutes for w in book.weeks) == sum(ledger.attended_minutes(r) for r in records)
    assert sum(w.sessions for w in book.weeks) == len(counted)
    assert {w.week_start for w in book.weeks} == {ledger.week_start_of(r.date) for r in records}
    assert all(w.week_start.weekday() == 0 for w in book.weeks)


@given(records_strategy, targets, todays)
def test_under_target_iff_an_ended_whole_week_falls_short(records, target, today):
    for week in weekly_ledger(records, target_hours=target, today=today).weeks:
        ended = week.week_start + datetime.timedelta(days=7) <= today
        closed = sum(
            r.scheduled_minutes
            for r in records
            if r.closed and r.status == "cancelled" and ledger.week_start_of(r.date) == week.week_start
        )
        assert week.closed_minutes == closed
        target_left = max(0, int(target * 60) - closed)
        assert week.under_target == (ended and week.attended_minutes < target_left)


@given(records_strategy)
def test_absence_alert_iff_two_absences_follow_each_other(records):
    runs = weekly_ledger(records, target_hours=Decimal("9"), today=TODAY).absence_runs
    decided = [
        r.status
        for r in sorted(records, key=lambda r: (r.date, r.order))
        if r.status in ledger.ATTENDED | ledger.ABSENT
    ]
    pairs = sum(
        1
        for i in range(1, len(decided))
        if decided[i] in ledger.ABSENT
        and decided[i - 1] in ledger.ABSENT
        and (i < 2 or decided[i - 2] not in ledger.ABSENT)
    )
    assert len(runs) == pairs
    assert bool(runs) == any(
        a in ledger.ABSENT and b in ledger.ABSENT for a, b in zip(decided, decided[1:], strict=False)
    )
