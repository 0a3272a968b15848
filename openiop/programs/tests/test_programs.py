import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from openiop.programs.models import Population, Program, Track, weekly_hours_problem


@pytest.mark.parametrize(
    ("population", "hours", "ok"),
    [
        ("adult", "9", True),
        ("adult", "8.5", False),
        ("adult", "19", True),
        ("adult", "19.5", False),
        ("adolescent", "6", True),
        ("adolescent", "5.5", False),
        ("adolescent", "19", True),
    ],
)
def test_weekly_hours_target_follows_asam_iop_ranges(population, hours, ok):
    assert (weekly_hours_problem(population, Decimal(hours)) is None) is ok


@given(st.decimals(min_value=0, max_value=40, places=1), st.sampled_from(list(Population)))
def test_weekly_hours_problem_is_none_exactly_inside_the_range(hours, population):
    low = Decimal(9) if population == Population.ADULT else Decimal(6)
    assert (weekly_hours_problem(population, hours) is None) == (low <= hours <= 19)


def test_program_clean_refuses_an_adult_target_below_nine_hours():
    program = Program(
        name="X", short_name="X", population="adult", focus="mental_health", weekly_hours_target=Decimal("6")
    )
    with pytest.raises(ValidationError, match="9–19 hours"):
        program.clean()


def test_track_hours_per_week_and_day_label(world):
    assert world.track_a.hours_per_week == Decimal("9.0")
    assert world.track_a.days_label == "Mon/Wed/Fri"


@pytest.mark.parametrize(
    ("weekdays", "start", "end", "field"),
    [
        ([], 9, 12, "weekdays"),
        ([7], 9, 12, "weekdays"),
        ([1, 1], 9, 12, "weekdays"),
        ([0], 12, 9, "end_time"),
    ],
)
def test_track_validation(world, weekdays, start, end, field):
    track = Track(
        program=world.program_a,
        name="Bad",
        weekdays=weekdays,
        start_time=datetime.time(start),
        end_time=datetime.time(end),
    )
    with pytest.raises(ValidationError) as error:
        track.clean()
    assert field in error.value.message_dict


def test_tracks_meeting_on_a_day(world):
    assert Track.objects.meeting_on(datetime.date(2026, 11, 30)) == [world.track_a]  # a Monday
    assert Track.objects.meeting_on(datetime.date(2026, 12, 1)) == []  # a Tuesday
