"""The pure core of due questionnaires (due.py): at admission, weekly on a weekday, at discharge."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from openiop.measures.due import (
    ADMISSION,
    DISCHARGE,
    DISCHARGE_EARLY,
    DISCHARGE_FOLLOW_UP_DAYS,
    WEEKLY,
    EpisodeDates,
    ScheduleRule,
    due_items,
    weekly_occurrences,
)

MONDAY = datetime.date(2026, 11, 2)
DAY = datetime.timedelta(days=1)
ACTIVE = EpisodeDates(admitted_on=MONDAY, discharged_on=None, active=True, baseline_days=3)
PHQ_ADMISSION = ScheduleRule("PHQ-9", ADMISSION)
PHQ_WEEKLY_MONDAY = ScheduleRule("PHQ-9", WEEKLY, 0)
PHQ_DISCHARGE = ScheduleRule("PHQ-9", DISCHARGE)


def test_the_admission_questionnaire_is_due_from_admission_until_done():
    [item] = due_items([PHQ_ADMISSION], ACTIVE, {}, MONDAY)
    assert (item.occasion, item.due_on, item.overdue) == (ADMISSION, MONDAY + 3 * DAY, False)
    [late] = due_items([PHQ_ADMISSION], ACTIVE, {}, MONDAY + 4 * DAY)
    assert late.overdue
    assert due_items([PHQ_ADMISSION], ACTIVE, {"PHQ-9": [MONDAY + 5 * DAY]}, MONDAY + 6 * DAY) == []


def test_nothing_is_due_before_admission_or_for_a_referral():
    referral = EpisodeDates(admitted_on=None, discharged_on=None, active=False)
    assert due_items([PHQ_ADMISSION, PHQ_WEEKLY_MONDAY], referral, {}, MONDAY) == []
    assert due_items([PHQ_ADMISSION], ACTIVE, {}, MONDAY - DAY) == []


def test_weekly_is_due_on_its_weekday_and_overdue_after():
    wednesday = ScheduleRule("GAD-7", WEEKLY, 2)
    assert due_items([wednesday], ACTIVE, {}, MONDAY + DAY) == []  # Tuesday: not yet
    [item] = due_items([wednesday], ACTIVE, {}, MONDAY + 2 * DAY)
    assert (item.due_on, item.overdue, item.missed) == (MONDAY + 2 * DAY, False, 0)
    [item] = due_items([wednesday], ACTIVE, {}, MONDAY + 4 * DAY)
    assert item.overdue


def test_weekly_shows_only_the_latest_week_and_counts_the_missed_ones():
    today = MONDAY + 21 * DAY  # fourth Monday
    [item] = due_items([PHQ_WEEKLY_MONDAY], ACTIVE, {"PHQ-9": [MONDAY + 7 * DAY]}, today)
    assert (item.due_on, item.overdue, item.missed) == (today, False, 2)


def test_a_form_done_a_few_days_early_or_late_counts_for_its_week_once():
    # Done on Saturday before the second Monday: counts for that week, not also for the third.
    done = {"PHQ-9": [MONDAY, MONDAY + 5 * DAY]}
    assert due_items([PHQ_WEEKLY_MONDAY], ACTIVE, done, MONDAY + 8 * DAY) == []
    [item] = due_items([PHQ_WEEKLY_MONDAY], ACTIVE, done, MONDAY + 14 * DAY)
    assert item.due_on == MONDAY + 14 * DAY


def test_the_admission_form_counts_as_the_first_weekly_one():
    done = {"PHQ-9": [MONDAY]}
    assert due_items([PHQ_ADMISSION, PHQ_WEEKLY_MONDAY], ACTIVE, done, MONDAY + 2 * DAY) == []


def test_discharge_is_due_once_a_discharge_is_recorded_for_two_weeks():
    discharged = EpisodeDates(admitted_on=MONDAY, discharged_on=MONDAY + 30 * DAY, active=False)
    day = MONDAY + 30 * DAY
    assert due_items([PHQ_DISCHARGE], ACTIVE, {}, day) == []  # no discharge recorded: not due
    [item] = due_items([PHQ_DISCHARGE, PHQ_WEEKLY_MONDAY, PHQ_ADMISSION], discharged, {}, day + DAY)
    assert (item.occasion, item.due_on, item.overdue) == (DISCHARGE, day, True)
    assert due_items([PHQ_DISCHARGE], discharged, {"PHQ-9": [day - 2 * DAY]}, day) == []
    assert due_items([PHQ_DISCHARGE], discharged, {}, day + (DISCHARGE_FOLLOW_UP_DAYS + 1) * DAY) == []


def test_weekly_occurrences_start_on_the_first_weekday_from_admission():
    thursday = MONDAY + 3 * DAY
    assert weekly_occurrences(thursday, 0, thursday + 11 * DAY) == [MONDAY + 7 * DAY, MONDAY + 14 * DAY]
    assert weekly_occurrences(MONDAY, 0, MONDAY) == [MONDAY]


days = st.integers(min_value=0, max_value=70).map(lambda n: MONDAY + n * DAY)
rules = st.lists(
    st.one_of(
        st.builds(ScheduleRule, st.sampled_from(["PHQ-9", "GAD-7"]), st.just(ADMISSION)),
        st.builds(ScheduleRule, st.sampled_from(["PHQ-9", "GAD-7"]), st.just(WEEKLY), st.integers(0, 6)),
    ),
    max_size=4,
    unique_by=lambda r: (r.instrument_code, r.occasion),
)


@given(rules, st.lists(days, max_size=8), days, days)
def test_completing_a_form_never_adds_something_due(rules_, done, extra, today):
    before = due_items(rules_, ACTIVE, {"PHQ-9": done}, today)
    after = due_items(rules_, ACTIVE, {"PHQ-9": [*done, extra]}, today)
    assert {(d.instrument_code, d.occasion) for d in after} <= {
        (d.instrument_code, d.occasion) for d in before
    }


@given(rules, st.lists(days, max_size=8), days)
def test_completing_the_due_form_today_clears_it(rules_, done, today):
    for item in due_items(rules_, ACTIVE, {"PHQ-9": done, "GAD-7": done}, today):
        completions = {"PHQ-9": list(done), "GAD-7": list(done)}
        completions[item.instrument_code].append(today)
        still = due_items(rules_, ACTIVE, completions, today)
        assert (item.instrument_code, item.occasion) not in {(d.instrument_code, d.occasion) for d in still}


@given(rules, st.lists(days, max_size=8), days)
def test_weekly_due_days_are_never_in_the_future(rules_, done, today):
    for item in due_items(rules_, ACTIVE, {"PHQ-9": done}, today):
        if item.occasion == WEEKLY:
            assert item.due_on <= today and item.overdue == (item.due_on < today)


def test_discharge_is_due_in_the_last_week_once_a_discharge_is_planned():
    planned = MONDAY + 30 * DAY
    planning = EpisodeDates(admitted_on=MONDAY, discharged_on=None, active=True, planned_discharge_on=planned)
    assert due_items([PHQ_DISCHARGE], planning, {}, planned - (DISCHARGE_EARLY + 1) * DAY) == []
    [item] = due_items([PHQ_DISCHARGE], planning, {}, planned - DISCHARGE_EARLY * DAY)
    assert (item.occasion, item.due_on, item.overdue) == (DISCHARGE, planned, False)
    assert due_items([PHQ_DISCHARGE], planning, {}, planned + DAY)[0].overdue
    # One done in the window counts; one done before it does not.
    assert due_items([PHQ_DISCHARGE], planning, {"PHQ-9": [planned - 2 * DAY]}, planned) == []
    assert due_items([PHQ_DISCHARGE], planning, {"PHQ-9": [planned - 8 * DAY]}, planned) != []
