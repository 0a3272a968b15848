"""The reminders' pure core: when each reminder is due, quiet hours, deadlines and dedupe keys."""

import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from openiop.reminders import plan

TZ = ZoneInfo("America/New_York")
PREFS = plan.Preferences()


def local(y, m, d, h, minute=0):
    return datetime.datetime(y, m, d, h, minute, tzinfo=TZ)


SESSION = plan.SessionItem("s1", local(2026, 11, 27, 18))  # Friday 6 pm


def due(now, prefs=PREFS, **items):
    return plan.due_reminders(prefs=prefs, now=now, tz=TZ, **items)


def test_session_evening_before_at_six():
    assert due(local(2026, 11, 26, 17, 59), sessions=[SESSION]) == []
    [reminder] = due(local(2026, 11, 26, 18), sessions=[SESSION])
    assert reminder.kind == plan.SESSION_EVENING and not reminder.skipped
    assert reminder.send_at == local(2026, 11, 26, 18)


def test_session_one_hour_before():
    [reminder] = due(local(2026, 11, 27, 17, 5), sessions=[SESSION])
    assert reminder.kind == plan.SESSION_HOUR
    assert due(local(2026, 11, 27, 18), sessions=[SESSION]) == []  # started: too late


def test_evening_reminder_not_sent_on_the_day():
    """Its words say "tomorrow": after midnight they would be wrong."""
    assert [r.kind for r in due(local(2026, 11, 27, 9), sessions=[SESSION])] == []


def test_questionnaire_morning_of_due_day():
    item = plan.DayItem("q1", datetime.date(2026, 11, 27))
    assert due(local(2026, 11, 27, 8, 59), questionnaires=[item]) == []
    [reminder] = due(local(2026, 11, 27, 9), questionnaires=[item])
    assert reminder.kind == plan.QUESTIONNAIRE
    assert due(local(2026, 11, 28, 9), questionnaires=[item]) == []


def test_homework_day_before_at_five():
    item = plan.DayItem("h1", datetime.date(2026, 11, 28))
    assert due(local(2026, 11, 27, 16), homework=[item]) == []
    [reminder] = due(local(2026, 11, 27, 17), homework=[item])
    assert reminder.kind == plan.HOMEWORK


def test_quiet_hours_move_reminder_to_their_end():
    prefs = plan.Preferences(quiet_start=datetime.time(7), quiet_end=datetime.time(10))
    item = plan.DayItem("q1", datetime.date(2026, 11, 27))
    assert due(local(2026, 11, 27, 9), prefs, questionnaires=[item]) == []
    [reminder] = due(local(2026, 11, 27, 10), prefs, questionnaires=[item])
    assert reminder.send_at == local(2026, 11, 27, 10) and not reminder.skipped


def test_quiet_past_the_deadline_is_skipped():
    """Quiet from 4 pm to 9 am: the homework reminder would land on the due day, so it is skipped."""
    prefs = plan.Preferences(quiet_start=datetime.time(16), quiet_end=datetime.time(9))
    item = plan.DayItem("h1", datetime.date(2026, 11, 28))
    [reminder] = due(local(2026, 11, 27, 17), prefs, homework=[item])
    assert reminder.skipped == "quiet_hours"


def test_kind_turned_off_is_skipped():
    prefs = plan.Preferences(sessions=False)
    [reminder] = due(local(2026, 11, 26, 18), prefs, sessions=[SESSION])
    assert reminder.skipped == "turned_off"


def test_no_quiet_hours_when_start_equals_end():
    prefs = plan.Preferences(quiet_start=datetime.time(0), quiet_end=datetime.time(0))
    assert not plan.in_quiet_hours(local(2026, 11, 27, 3), prefs, TZ)


def test_dedupe_key_changes_when_session_moves():
    moved = plan.SessionItem("s1", local(2026, 11, 27, 19))
    [a] = due(local(2026, 11, 27, 17, 5), sessions=[SESSION])
    [b] = due(local(2026, 11, 27, 18, 5), sessions=[moved])
    assert a.dedupe_key != b.dedupe_key


times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
moments = st.datetimes(
    min_value=datetime.datetime(2026, 1, 1),  # noqa: DTZ001
    max_value=datetime.datetime(2027, 12, 31),  # noqa: DTZ001
).map(lambda d: d.replace(tzinfo=TZ))
prefs_strategy = st.builds(
    plan.Preferences,
    quiet_start=times,
    quiet_end=times,
    sessions=st.booleans(),
    questionnaires=st.booleans(),
    homework=st.booleans(),
)


@st.composite
def worlds(draw):
    base = draw(moments)
    sessions = [
        plan.SessionItem(f"s{i}", base + datetime.timedelta(minutes=draw(st.integers(-3000, 4000))))
        for i in range(draw(st.integers(0, 3)))
    ]
    days = st.integers(-2, 3).map(lambda n: base.date() + datetime.timedelta(days=n))
    questionnaires = [plan.DayItem(f"q{i}", draw(days)) for i in range(draw(st.integers(0, 2)))]
    homework = [plan.DayItem(f"h{i}", draw(days)) for i in range(draw(st.integers(0, 2)))]
    now = base + datetime.timedelta(minutes=draw(st.integers(-1500, 1500)))
    return sessions, questionnaires, homework, now


@settings(max_examples=400, deadline=None)
@given(worlds(), prefs_strategy)
def test_properties(world, prefs):
    sessions, questionnaires, homework, now = world
    found = due(now, prefs, sessions=sessions, questionnaires=questionnaires, homework=homework)
    keys = [r.dedupe_key for r in found]
    assert len(keys) == len(set(keys))
    for reminder in found:
        assert reminder.deadline <= reminder.event_at  # never about something already past
        if reminder.skipped:
            continue
        assert not plan.in_quiet_hours(now, prefs, TZ)  # never sent in quiet hours
        assert not plan.in_quiet_hours(reminder.send_at, prefs, TZ)
        assert reminder.send_at <= now < reminder.deadline  # never after the event
        assert prefs.wants(reminder.kind)


@settings(max_examples=300, deadline=None)
@given(moments, prefs_strategy)
def test_moved_time_is_never_quiet_and_never_earlier(moment, prefs):
    moved = plan.out_of_quiet_hours(moment, prefs, TZ)
    assert not plan.in_quiet_hours(moved, prefs, TZ)
    assert moved >= moment
    assert moved - moment <= datetime.timedelta(hours=25)


def test_dedupe_keys_unique_per_event_kind_and_offset():
    items = [plan.SessionItem(f"s{i}", local(2026, 11, 27, 9 + i)) for i in range(5)]
    keys = {
        plan.dedupe_key(kind, ref, event_at)
        for kind, ref, _, event_at, _, _ in plan.candidates(items, [], [], TZ)
    }
    assert len(keys) == 10
