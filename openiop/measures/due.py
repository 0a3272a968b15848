"""Which questionnaires an episode has due today, from its program's schedules, its dates and what was done.

Due questionnaires are derived, never stored: a schedule, an admission or discharge date, or an
administration changing (or being marked entered in error) changes the answer at once.

- At admission: due from the admission day until done, by `baseline_days` after admission (the program's
  "baseline measures due" setting); any administration of that instrument in the episode is the baseline.
  Asked only while the episode is active.
- Weekly on a weekday: due on that weekday of every week of the active episode. A questionnaire done up to
  WEEKLY_EARLY days before the day, or up to WEEKLY_LATE days after, counts for it; each administration
  counts for one week only (the earliest week still open whose window holds it). Only the latest week is
  shown as due (overdue after its day); earlier weeks never completed are counted as `missed`, because
  nobody asks last week's PHQ-9 today.
- At discharge: due on the discharge day once a discharge is recorded, shown for DISCHARGE_FOLLOW_UP_DAYS
  after it (a paper form from the last session may be entered late); one done from DISCHARGE_EARLY days
  before discharge counts. While still active, once a discharge is planned (`planned_discharge_on`, from
  openiop.discharge), it is due from DISCHARGE_EARLY days before the planned last day (due on that day,
  overdue after it), so the final measures are asked during the last week, not after the person has left.
- On demand is always possible and never due.

Plain Python: no Django, no I/O.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

ADMISSION, WEEKLY, DISCHARGE = "admission", "weekly", "discharge"
WEEKLY_EARLY = 3
WEEKLY_LATE = 6
DISCHARGE_EARLY = 7
DISCHARGE_FOLLOW_UP_DAYS = 14

_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class ScheduleRule:
    instrument_code: str
    occasion: str  # ADMISSION, WEEKLY or DISCHARGE
    weekday: int | None = None  # Monday is 0; weekly only


@dataclass(frozen=True)
class EpisodeDates:
    admitted_on: datetime.date | None
    discharged_on: datetime.date | None
    active: bool  # admitted and not discharged
    baseline_days: int = 3
    planned_discharge_on: datetime.date | None = None  # a discharge is being planned (still active)


@dataclass(frozen=True)
class Due:
    instrument_code: str
    occasion: str
    due_on: datetime.date
    overdue: bool
    missed: int = 0  # weekly: earlier weeks of the episode never completed


def weekly_occurrences(admitted_on: datetime.date, weekday: int, until: datetime.date) -> list[datetime.date]:
    """The days `weekday` from admission (included) to `until` (included)."""
    first = admitted_on + (weekday - admitted_on.weekday()) % 7 * _DAY
    days = []
    day = first
    while day <= until:
        days.append(day)
        day += 7 * _DAY
    return days


def _weekly(rule: ScheduleRule, dates: EpisodeDates, done: Sequence[datetime.date], today) -> Due | None:
    occurrences = weekly_occurrences(dates.admitted_on, rule.weekday, today)
    if not occurrences:
        return None
    unused = sorted(done)
    satisfied = []
    for day in occurrences:
        match = next(
            (d for d in unused if day - WEEKLY_EARLY * _DAY <= d <= day + WEEKLY_LATE * _DAY),
            None,
        )
        if match is not None:
            unused.remove(match)
        satisfied.append(match is not None)
    if satisfied[-1]:
        return None
    latest = occurrences[-1]
    return Due(
        rule.instrument_code,
        WEEKLY,
        latest,
        overdue=today > latest,
        missed=satisfied[:-1].count(False),
    )


def due_items(
    rules: Iterable[ScheduleRule],
    dates: EpisodeDates,
    completions: Mapping[str, Sequence[datetime.date]],
    today: datetime.date,
) -> list[Due]:
    """What is due or overdue today, earliest first. `completions`: instrument code -> the days an
    administration of it (not entered in error) was completed in this episode."""
    if dates.admitted_on is None or dates.admitted_on > today:
        return []
    found = []
    for rule in rules:
        done = list(completions.get(rule.instrument_code, ()))
        if rule.occasion == ADMISSION and dates.active and not done:
            due_on = dates.admitted_on + dates.baseline_days * _DAY
            found.append(Due(rule.instrument_code, ADMISSION, due_on, overdue=today > due_on))
        elif rule.occasion == WEEKLY and dates.active and rule.weekday is not None:
            item = _weekly(rule, dates, done, today)
            if item is not None:
                found.append(item)
        elif rule.occasion == DISCHARGE and dates.discharged_on is not None and not dates.active:
            day = dates.discharged_on
            if day <= today <= day + DISCHARGE_FOLLOW_UP_DAYS * _DAY and not any(
                day - DISCHARGE_EARLY * _DAY <= d <= day + DISCHARGE_FOLLOW_UP_DAYS * _DAY for d in done
            ):
                found.append(Due(rule.instrument_code, DISCHARGE, day, overdue=today > day))
        elif rule.occasion == DISCHARGE and dates.active and dates.planned_discharge_on is not None:
            day = dates.planned_discharge_on
            if today >= day - DISCHARGE_EARLY * _DAY and not any(
                d >= day - DISCHARGE_EARLY * _DAY for d in done
            ):
                found.append(Due(rule.instrument_code, DISCHARGE, day, overdue=today > day))
    return sorted(found, key=lambda d: (d.due_on, d.instrument_code, d.occasion))
