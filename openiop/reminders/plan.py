"""Which reminders are due now: the pure core of the reminders (no Django, no I/O).

Given a patient's upcoming sessions, questionnaires due and homework due, their preferences and `now`, it
answers which reminders should go out now, and which must be skipped. The rules:

- A session: the evening before at 18:00 ("tomorrow at ...") and one hour before ("today at ...").
- A questionnaire: the morning of its due day at 09:00 ("to fill in today").
- Homework: the day before its due date at 17:00 ("due tomorrow").

Each reminder has a deadline, the last moment its words are still true (a "tomorrow" reminder must go out
before midnight; an hour-before reminder before the session starts). A reminder whose time falls in the
patient's quiet hours moves to the end of the quiet period; if that is at or after the deadline it is
skipped (never sent late, never wrong). A reminder found late (the worker was down) still goes out while
its words are true and it is not quiet time, else it waits for the quiet period to end.

Every reminder has a dedupe key (kind, object, offset) so the same reminder is never sent twice, however
often the dispatcher runs. All times are aware; local wall times are in the `tz` given.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

SESSION_EVENING, SESSION_HOUR, QUESTIONNAIRE, HOMEWORK = (
    "session_evening",
    "session_hour",
    "questionnaire",
    "homework",
)
KIND_GROUP = {
    SESSION_EVENING: "sessions",
    SESSION_HOUR: "sessions",
    QUESTIONNAIRE: "questionnaires",
    HOMEWORK: "homework",
}

EVENING_BEFORE = datetime.time(18)
QUESTIONNAIRE_MORNING = datetime.time(9)
HOMEWORK_EVENING_BEFORE = datetime.time(17)
HOUR = datetime.timedelta(hours=1)
UTC = datetime.UTC


@dataclass(frozen=True)
class Preferences:
    """A patient's choices. Quiet hours are [start, end) in local time, across midnight when start > end;
    start == end means no quiet hours."""

    quiet_start: datetime.time = datetime.time(21)
    quiet_end: datetime.time = datetime.time(8)
    sessions: bool = True
    questionnaires: bool = True
    homework: bool = True

    def wants(self, kind: str) -> bool:
        return getattr(self, KIND_GROUP[kind])


@dataclass(frozen=True)
class SessionItem:
    ref: str  # the session's uuid
    starts_at: datetime.datetime  # aware


@dataclass(frozen=True)
class DayItem:
    """A questionnaire or homework due on a local day."""

    ref: str
    due_on: datetime.date


@dataclass(frozen=True)
class Reminder:
    kind: str
    ref: str  # uuid of the object reminded of
    ref_type: str  # "session", "questionnaire", "homework"
    event_at: datetime.datetime  # the session's start, homework's due day start, a questionnaire day's end
    send_at: datetime.datetime  # when it should go out (moved out of quiet hours), UTC
    deadline: datetime.datetime  # the last moment its words are true, UTC
    dedupe_key: str
    skipped: str = ""  # why it will not be sent ("quiet_hours", "turned_off"), or "" to send


def in_quiet_hours(moment: datetime.datetime, prefs: Preferences, tz: ZoneInfo) -> bool:
    start, end = prefs.quiet_start, prefs.quiet_end
    if start == end:
        return False
    local = moment.astimezone(tz).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def out_of_quiet_hours(moment: datetime.datetime, prefs: Preferences, tz: ZoneInfo) -> datetime.datetime:
    """`moment`, or the end of the quiet period it falls in (UTC)."""
    if not in_quiet_hours(moment, prefs, tz):
        return moment.astimezone(UTC)
    local = moment.astimezone(tz)
    day = local.date()
    if prefs.quiet_start > prefs.quiet_end and local.time() >= prefs.quiet_start:
        day += datetime.timedelta(days=1)  # quiet from the evening: it ends the next morning
    moved = _at(day, prefs.quiet_end, tz)
    # A wall time that does not exist (the spring-forward gap) may land back in the period: step forward.
    while in_quiet_hours(moved, prefs, tz):
        moved += datetime.timedelta(minutes=15)
    return moved


def _at(day: datetime.date, time: datetime.time, tz: ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=tz).astimezone(UTC)


def candidates(
    sessions: Iterable[SessionItem],
    questionnaires: Iterable[DayItem],
    homework: Iterable[DayItem],
    tz: ZoneInfo,
) -> list[tuple[str, str, str, datetime.datetime, datetime.datetime, datetime.datetime]]:
    """Every reminder the items call for: (kind, ref, ref_type, event_at, nominal time, deadline)."""
    found = []
    for session in sessions:
        start = session.starts_at.astimezone(UTC)
        day = session.starts_at.astimezone(tz).date()
        eve = day - datetime.timedelta(days=1)
        found.append(
            (
                SESSION_EVENING,
                session.ref,
                "session",
                start,
                _at(eve, EVENING_BEFORE, tz),
                _at(day, datetime.time(0), tz),
            )
        )
        found.append((SESSION_HOUR, session.ref, "session", start, start - HOUR, start))
    for item in questionnaires:  # the event is the whole due day: it ends at the next midnight
        next_midnight = _at(item.due_on + datetime.timedelta(days=1), datetime.time(0), tz)
        found.append(
            (
                QUESTIONNAIRE,
                item.ref,
                "questionnaire",
                next_midnight,
                _at(item.due_on, QUESTIONNAIRE_MORNING, tz),
                next_midnight,
            )
        )
    for item in homework:
        midnight = _at(item.due_on, datetime.time(0), tz)
        eve = item.due_on - datetime.timedelta(days=1)
        found.append(
            (HOMEWORK, item.ref, "homework", midnight, _at(eve, HOMEWORK_EVENING_BEFORE, tz), midnight)
        )
    return found


def dedupe_key(kind: str, ref: str, event_at: datetime.datetime) -> str:
    """One reminder per kind (which includes the offset), object and event time: a session moved to
    another time is reminded of again, at its new time."""
    return f"{kind}:{ref}:{event_at.astimezone(UTC):%Y%m%dT%H%MZ}"


def due_reminders(
    *,
    sessions: Iterable[SessionItem] = (),
    questionnaires: Iterable[DayItem] = (),
    homework: Iterable[DayItem] = (),
    prefs: Preferences,
    now: datetime.datetime,
    tz: ZoneInfo,
) -> list[Reminder]:
    """The reminders to act on now: to send (skipped == "") or to record as skipped. A reminder not yet
    due, or whose deadline has passed before it was ever due, is not returned."""
    now = now.astimezone(UTC)
    found = []
    for kind, ref, ref_type, event_at, nominal, deadline in candidates(
        sessions, questionnaires, homework, tz
    ):
        if now < nominal or now >= deadline:
            continue  # not yet, or too late for its words to be true
        key = dedupe_key(kind, ref, event_at)
        send_at = out_of_quiet_hours(nominal, prefs, tz)
        if not prefs.wants(kind):
            skipped = "turned_off"
        elif send_at >= deadline:
            skipped = "quiet_hours"
        elif now < send_at or in_quiet_hours(now, prefs, tz):
            continue  # waits for the end of quiet hours
        else:
            skipped = ""
        found.append(Reminder(kind, ref, ref_type, event_at, send_at, deadline, key, skipped))
    return sorted(found, key=lambda r: (r.send_at, r.dedupe_key))
