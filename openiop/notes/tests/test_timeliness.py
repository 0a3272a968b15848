"""When a note is late and how overdue an unsigned note is (pure core, property-tested)."""

import datetime
import zoneinfo

from hypothesis import given
from hypothesis import strategies as st

from openiop.notes.timeliness import Age, age_of_unsigned, due_at, is_late, service_end

TZ = zoneinfo.ZoneInfo("America/New_York")
DAY = datetime.date(2026, 11, 16)


def test_service_end_uses_the_end_time_or_the_end_of_the_day():
    assert service_end(DAY, datetime.time(12), TZ) == datetime.datetime(2026, 11, 16, 12, tzinfo=TZ)
    assert service_end(DAY, None, TZ) == datetime.datetime(2026, 11, 16, 23, 59, 59, tzinfo=TZ)


def test_the_24_hour_boundary():
    ended = service_end(DAY, datetime.time(12), TZ)
    assert not is_late(ended, ended + datetime.timedelta(hours=24))
    assert is_late(ended, ended + datetime.timedelta(hours=24, seconds=1))
    assert due_at(ended) == ended + datetime.timedelta(hours=24)


def test_the_age_buckets():
    ended = service_end(DAY, datetime.time(12), TZ)
    assert age_of_unsigned(ended, ended + datetime.timedelta(hours=23)) == Age.ON_TIME
    assert age_of_unsigned(ended, ended + datetime.timedelta(hours=25)) == Age.OVER_24H
    assert age_of_unsigned(ended, ended + datetime.timedelta(hours=72)) == Age.OVER_24H
    assert age_of_unsigned(ended, ended + datetime.timedelta(hours=73)) == Age.OVER_72H


hours = st.floats(min_value=-48, max_value=24 * 30, allow_nan=False)


@given(hours, hours)
def test_later_never_means_less_overdue(a, b):
    ended = service_end(DAY, datetime.time(15, 30), TZ)
    first, second = sorted((a, b))
    order = [Age.ON_TIME, Age.OVER_24H, Age.OVER_72H]
    earlier = age_of_unsigned(ended, ended + datetime.timedelta(hours=first))
    later = age_of_unsigned(ended, ended + datetime.timedelta(hours=second))
    assert order.index(earlier) <= order.index(later)
    assert is_late(ended, ended + datetime.timedelta(hours=first)) <= is_late(
        ended, ended + datetime.timedelta(hours=second)
    )


@given(st.times(), hours)
def test_a_late_note_is_one_that_would_be_listed_over_24_hours(end, elapsed):
    ended = service_end(DAY, end, TZ)
    moment = ended + datetime.timedelta(hours=elapsed)
    assert is_late(ended, moment) == (age_of_unsigned(ended, moment) != Age.ON_TIME)
