"""The usage core: used vs authorized from attendance records, and the alert states (hand-computed)."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openiop.scheduling import ledger
from openiop.scheduling.ledger import SessionRecord
from openiop.utilization import usage
from openiop.utilization.usage import Authorization, usage_of

D = datetime.date
MON = D(2026, 10, 5)  # a Monday
TODAY = D(2026, 10, 20)
LAST = D(2026, 11, 30)


def auth(unit=usage.HOURS, authorized="10", starts=MON, ends=LAST):
    return Authorization(unit=unit, authorized=Decimal(authorized), starts_on=starts, ends_on=ends)


def rec(day, status=ledger.PRESENT, minutes=180, attended=None, order=0):
    return SessionRecord(
        date=day, scheduled_minutes=minutes, status=status, minutes_attended=attended, order=order
    )


def test_hours_count_minutes_as_the_ledger_does_including_late_and_left_early():
    records = [
        rec(MON),  # 180
        rec(MON + datetime.timedelta(days=2), ledger.LATE, attended=150),  # 150
        rec(MON + datetime.timedelta(days=4), ledger.LEFT_EARLY, attended=90),  # 90
        rec(MON + datetime.timedelta(days=7), ledger.LATE, attended=None),  # late, minutes not recorded: 0
        rec(MON + datetime.timedelta(days=9), ledger.ABSENT_UNEXCUSED),
        rec(MON + datetime.timedelta(days=11), ledger.CANCELLED),
        rec(MON + datetime.timedelta(days=14), ledger.NOT_RECORDED),
    ]
    used = usage_of(records, auth(authorized="12"), today=TODAY)
    assert used.used_exact == Fraction(420, 60)  # 7 hours
    assert used.used == Decimal("7.0")
    assert used.remaining == Decimal("5.0")
    assert used.percent == 58  # 7/12 = 58.3%, rounded down
    assert not used.near_limit


def test_present_with_more_minutes_than_the_session_counts_the_session_only():
    used = usage_of([rec(MON, attended=999)], auth(), today=TODAY)
    assert used.used_exact == 3


def test_sessions_count_attended_sessions_whatever_the_minutes():
    records = [
        rec(MON),
        rec(MON, ledger.LATE, attended=10, order=1),
        rec(MON + datetime.timedelta(days=1), ledger.ABSENT_EXCUSED),
        rec(MON + datetime.timedelta(days=2), ledger.LEFT_EARLY, attended=30),
    ]
    used = usage_of(records, auth(usage.SESSIONS, "10"), today=TODAY)
    assert used.used == 3
    assert used.remaining == 7


def test_a_day_is_a_date_with_at_least_one_attended_session():
    records = [
        rec(MON),
        rec(MON, order=1),  # same day: still one day
        rec(MON + datetime.timedelta(days=1), ledger.ABSENT_UNEXCUSED),  # no attended session: no day
        rec(MON + datetime.timedelta(days=2), ledger.ABSENT_EXCUSED),
        rec(MON + datetime.timedelta(days=2), ledger.LEFT_EARLY, attended=60, order=1),  # one attended: a day
    ]
    used = usage_of(records, auth(usage.DAYS, "4"), today=TODAY)
    assert used.used == 2
    assert used.percent == 50


def test_only_attendance_inside_the_dates_counts_both_ends_included():
    a = auth(usage.SESSIONS, "10", starts=D(2026, 10, 6), ends=D(2026, 10, 8))
    records = [rec(D(2026, 10, 5)), rec(D(2026, 10, 6)), rec(D(2026, 10, 8)), rec(D(2026, 10, 9))]
    assert usage_of(records, a, today=TODAY).used == 2


def test_exactly_80_percent_is_near_the_limit_and_just_under_is_not():
    eight = [rec(MON + datetime.timedelta(days=i)) for i in range(8)]
    assert usage_of(eight, auth(usage.SESSIONS, "10"), today=TODAY).near_limit
    assert usage_of(eight, auth(usage.SESSIONS, "10"), today=TODAY).percent == 80
    assert not usage_of(eight[:7], auth(usage.SESSIONS, "10"), today=TODAY).near_limit
    # Hours: 8 h of 10 is 80%; 7 h 59 min is not.
    assert usage_of([rec(MON, minutes=480)], auth(), today=TODAY).near_limit
    just_under = usage_of([rec(MON, minutes=479)], auth(), today=TODAY)
    assert not just_under.near_limit
    assert just_under.percent == 79


def test_exhausted_at_100_percent_and_over_counts_what_is_beyond():
    records = [rec(MON + datetime.timedelta(days=i)) for i in range(11)]
    used = usage_of(records, auth(usage.SESSIONS, "10"), today=TODAY)
    assert used.exhausted and used.near_limit
    assert used.remaining == 0
    assert used.over == 1
    assert used.alerts == ["exhausted"]


def test_ending_soon_within_7_days_inclusive_and_expired_after_the_last_day():
    def state(ends):
        return usage_of([], auth(ends=ends), today=TODAY)

    assert state(TODAY + datetime.timedelta(days=7)).ending_soon
    assert state(TODAY + datetime.timedelta(days=7)).days_left == 8
    assert not state(TODAY + datetime.timedelta(days=8)).ending_soon
    assert state(TODAY).ending_soon and not state(TODAY).expired
    assert state(TODAY).days_left == 1
    yesterday = state(TODAY - datetime.timedelta(days=1))
    assert yesterday.expired and not yesterday.ending_soon
    assert yesterday.alerts == ["expired"]
    assert yesterday.days_left == 0


def test_no_attendance_no_alert_far_from_the_end():
    used = usage_of([], auth(), today=TODAY)
    assert used.alerts == [] and not used.needs_attention
    assert used.percent == 0


def test_a_nonpositive_quantity_is_refused():
    with pytest.raises(ValueError):
        usage_of([], auth(authorized="0"), today=TODAY)


# Properties ------------------------------------------------------------------------------------------------

statuses = st.sampled_from(sorted(ledger.ALL_STATUSES))
records_strategy = st.lists(
    st.builds(
        SessionRecord,
        date=st.dates(D(2026, 9, 1), D(2026, 12, 31)),
        scheduled_minutes=st.integers(1, 240),
        status=statuses,
        minutes_attended=st.one_of(st.none(), st.integers(0, 300)),
        order=st.integers(0, 1440),
    ),
    max_size=40,
)
auths = st.builds(
    Authorization,
    unit=st.sampled_from(usage.UNITS),
    authorized=st.integers(1, 200).map(Decimal),
    starts_on=st.dates(D(2026, 9, 1), D(2026, 11, 1)),
    ends_on=st.dates(D(2026, 11, 1), D(2026, 12, 31)),
)
days = st.dates(D(2026, 8, 1), D(2027, 2, 1))


@given(records_strategy, auths, days)
def test_used_plus_remaining_minus_over_is_authorized(records, authorization, today):
    used = usage_of(records, authorization, today=today)
    exact_remaining = max(Fraction(authorization.authorized) - used.used_exact, Fraction(0))
    exact_over = max(used.used_exact - Fraction(authorization.authorized), Fraction(0))
    assert used.used_exact + exact_remaining - exact_over == Fraction(authorization.authorized)
    assert used.exhausted <= used.near_limit  # exhausted implies near the limit
    assert not (used.expired and used.ending_soon)
    assert used.near_limit == (used.percent >= 80)


@given(records_strategy, auths, days)
def test_records_outside_the_dates_change_nothing(records, authorization, today):
    inside = [r for r in records if authorization.starts_on <= r.date <= authorization.ends_on]
    assert usage_of(records, authorization, today=today) == usage_of(inside, authorization, today=today)


@given(records_strategy, auths, days)
def test_order_of_records_does_not_matter_and_days_never_exceed_sessions(records, authorization, today):
    assert usage_of(records, authorization, today=today) == usage_of(
        records[::-1], authorization, today=today
    )
    sessions = usage.used_quantity(
        records, Authorization("sessions", Decimal(1), authorization.starts_on, authorization.ends_on)
    )
    day_count = usage.used_quantity(
        records, Authorization("days", Decimal(1), authorization.starts_on, authorization.ends_on)
    )
    assert day_count <= sessions


@given(records_strategy, auths, days, st.sampled_from(sorted(ledger.ATTENDED)))
def test_one_more_attended_session_never_lowers_use(records, authorization, today, status):
    before = usage_of(records, authorization, today=today)
    extra = SessionRecord(
        date=authorization.starts_on, scheduled_minutes=60, status=status, minutes_attended=30
    )
    after = usage_of([*records, extra], authorization, today=today)
    assert after.used_exact >= before.used_exact


@given(records_strategy, auths, days)
def test_hours_match_the_weekly_ledger_over_the_authorization(records, authorization, today):
    if authorization.unit != usage.HOURS:
        return
    inside = [r for r in records if authorization.starts_on <= r.date <= authorization.ends_on]
    weeks = ledger.weekly_ledger(inside, target_hours=Decimal(9), today=today).weeks
    assert usage_of(records, authorization, today=today).used_exact == Fraction(
        sum(w.attended_minutes for w in weeks), 60
    )
