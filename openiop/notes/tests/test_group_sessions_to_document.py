"""The group sessions a facilitator still has to document (my day, the notes list): each once, whatever
the size of its roster, whether the user leads it directly or facilitates its series."""

import datetime

import pytest

from openiop.notes.selectors import group_sessions_to_document
from openiop.scheduling.models import AttendanceStatus, SessionAttendee
from openiop.scheduling.tests.factories import PAST_MONDAY, extra_patients, group_series, session_with

from .factories import attended_session, written_group_note

pytestmark = pytest.mark.django_db
TODAY = PAST_MONDAY + datetime.timedelta(days=2)


def _uuids(user, **kwargs):
    return [s.uuid for s in group_sessions_to_document(user, today=TODAY, **kwargs)]


def test_a_session_with_many_present_is_listed_once(world):
    session = attended_session(world, extra_patients(world, 6))
    assert _uuids(world.alice) == [session.uuid]


def test_a_session_of_a_series_the_user_facilitates_is_listed_without_leading_it_directly(world):
    series = group_series(world, facilitators=[world.alice])
    session = session_with(
        world, PAST_MONDAY, extra_patients(world, 3), clinicians=[world.bob], series=series
    )
    SessionAttendee.objects.filter(session=session).update(status=AttendanceStatus.PRESENT)
    assert _uuids(world.alice) == [session.uuid]
    assert _uuids(world.bob) == [session.uuid]
    assert _uuids(world.charlie) == []


def test_sessions_nobody_attended_or_already_written_or_out_of_range_are_left_out(world):
    episodes = extra_patients(world, 3)
    absent = attended_session(world, episodes, status=AttendanceStatus.ABSENT_EXCUSED)
    older = attended_session(world, episodes, day=PAST_MONDAY - datetime.timedelta(days=20))
    written = attended_session(world, episodes, day=PAST_MONDAY + datetime.timedelta(days=1))
    written_group_note(world, written, episodes, {e.uuid: [] for e in episodes})
    earlier = attended_session(world, episodes, day=PAST_MONDAY - datetime.timedelta(days=3))
    later = attended_session(world, episodes, day=TODAY)
    listed = _uuids(world.alice)
    assert listed == [earlier.uuid, later.uuid]
    assert absent.uuid not in listed and older.uuid not in listed
    assert older.uuid in _uuids(world.alice, days=30)


def test_one_query_whatever_the_roster(world, django_assert_num_queries):
    attended_session(world, extra_patients(world, 8))
    attended_session(world, extra_patients(world, 2, start=20), day=PAST_MONDAY + datetime.timedelta(days=1))
    with django_assert_num_queries(1):
        assert len(_uuids(world.alice)) == 2
