"""The weekly hours ledger: a pure core (no Django), plain records in, plain weeks and alerts out.

Each record is one booked session of one person with what happened. Per ISO week (Monday start) the
ledger adds up scheduled and attended minutes and compares attended hours with the program's weekly
target (ASAM 2.1 IOP: >= 9 h/week for adults, >= 6 h/week for adolescents; Medicare IOP: >= 9 h/week).

Rules, so a successor need not guess them:
- A cancelled session (by the program, or the booking cancelled) is neither scheduled nor attended: the
  person could not have come.
- A session whose attendance is not recorded yet counts as scheduled and not attended.
- A week is under target only once it has ended (its Sunday is before `today`) and only when it lies
  wholly inside the episode (`period_start`..`period_end`): a week of admission or discharge is partial.
- Weeks are those with at least one booking; a week without any booking has nothing to measure.
- A closure (holiday, the program closed for a day) lowers that week's target by the minutes of the
  person's sessions it cancelled: the program could not offer them, so the week is under target only if
  the person missed hours that were offered. Other cancellations do not lower the target.
- Consecutive absences: two recorded sessions in a row absent (excused or not), across weeks. Cancelled
  and unrecorded sessions neither break nor extend a run. One alert per run, at its second absence; any
  attendance ends the run, and the next run alerts again.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PRESENT = "present"
LATE = "late"
LEFT_EARLY = "left_early"
ABSENT_EXCUSED = "absent_excused"
ABSENT_UNEXCUSED = "absent_unexcused"
CANCELLED = "cancelled"
NOT_RECORDED = "scheduled"

ATTENDED = frozenset({PRESENT, LATE, LEFT_EARLY})
ABSENT = frozenset({ABSENT_EXCUSED, ABSENT_UNEXCUSED})
ALL_STATUSES = ATTENDED | ABSENT | {CANCELLED, NOT_RECORDED}

CONSECUTIVE_ABSENCES_ALERT = 2
ONE_WEEK = datetime.timedelta(days=7)


@dataclass(frozen=True)
class SessionRecord:
    date: datetime.date
    scheduled_minutes: int
    status: str
    minutes_attended: int | None = None
    # Orders sessions on the same day (e.g. minutes after midnight of the start time).
    order: int = 0
    # The session fell on a day the program was closed (its status is then CANCELLED).
    closed: bool = False


@dataclass(frozen=True)
class WeekLine:
    week_start: datetime.date
    scheduled_minutes: int
    attended_minutes: int
    target_minutes: int
    sessions: int
    not_recorded: int
    ended: bool
    partial: bool
    closed_minutes: int = 0  # the person's sessions cancelled by closures; already taken off the target

    @property
    def closed_hours(self) -> Decimal:
        return hours(self.closed_minutes)

    @property
    def scheduled_hours(self) -> Decimal:
        return hours(self.scheduled_minutes)

    @property
    def attended_hours(self) -> Decimal:
        return hours(self.attended_minutes)

    @property
    def target_hours(self) -> Decimal:
        return hours(self.target_minutes)

    @property
    def under_target(self) -> bool:
        return self.ended and not self.partial and self.attended_minutes < self.target_minutes


@dataclass(frozen=True)
class AbsenceRun:
    """Two (or more) consecutive absences; `second_on` is the date of the absence that raised the alert."""

    first_on: datetime.date
    second_on: datetime.date

    @property
    def week_start(self) -> datetime.date:
        return week_start_of(self.second_on)


@dataclass(frozen=True)
class Ledger:
    weeks: list[WeekLine]
    absence_runs: list[AbsenceRun]

    @property
    def weeks_under_target(self) -> list[WeekLine]:
        return [week for week in self.weeks if week.under_target]


def week_start_of(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s ISO week."""
    return day - datetime.timedelta(days=day.weekday())


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def attended_minutes(record: SessionRecord) -> int:
    """Minutes that count as attended, never more than the session's length."""
    if record.status == PRESENT:
        minutes = record.scheduled_minutes if record.minutes_attended is None else record.minutes_attended
    elif record.status in (LATE, LEFT_EARLY):
        minutes = record.minutes_attended or 0
    else:
        minutes = 0
    return max(0, min(minutes, record.scheduled_minutes))


def weekly_ledger(
    records: Iterable[SessionRecord],
    *,
    target_hours: Decimal,
    today: datetime.date,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
) -> Ledger:
    """The ledger of one person's bookings: weeks in date order, and runs of consecutive absences."""
    ordered = sorted(records, key=lambda r: (r.date, r.order))
    target_minutes = int((Decimal(target_hours) * 60).to_integral_value(rounding=ROUND_HALF_UP))
    totals: dict[datetime.date, list[int]] = {}
    for record in ordered:
        week = totals.setdefault(week_start_of(record.date), [0, 0, 0, 0, 0])
        if record.status == CANCELLED:
            week[4] += record.scheduled_minutes if record.closed else 0
            continue
        week[0] += record.scheduled_minutes
        week[1] += attended_minutes(record)
        week[2] += 1
        week[3] += record.status == NOT_RECORDED
    weeks = [
        WeekLine(
            week_start=start,
            scheduled_minutes=scheduled,
            attended_minutes=attended,
            target_minutes=max(0, target_minutes - closed),
            closed_minutes=closed,
            sessions=sessions,
            not_recorded=not_recorded,
            ended=start + ONE_WEEK <= today,
            partial=(period_start is not None and start < period_start)
            or (period_end is not None and start + ONE_WEEK - datetime.timedelta(days=1) > period_end),
        )
        for start, (scheduled, attended, sessions, not_recorded, closed) in sorted(totals.items())
    ]
    return Ledger(weeks=weeks, absence_runs=absence_runs(ordered))


def absence_runs(ordered: list[SessionRecord]) -> list[AbsenceRun]:
    runs = []
    streak: list[SessionRecord] = []
    for record in ordered:
        if record.status in ABSENT:
            streak.append(record)
            if len(streak) == CONSECUTIVE_ABSENCES_ALERT:
                runs.append(AbsenceRun(first_on=streak[0].date, second_on=record.date))
        elif record.status in ATTENDED:
            streak = []
    return runs
