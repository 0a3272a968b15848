"""Waitlist order and expected start dates: a pure core (plain data in, plain data out).

Order (PRODUCT.md section 1): people stepping down from inpatient, residential or partial hospitalization
first — IOP is their bridge home and a gap risks readmission — then by urgency, then by the date they were
added. Expected start: the free places of the track go to the first people in line at its next meeting;
everyone after waits for places to free up, one every (typical length of stay / capacity) days.
"""

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

STEP_DOWN_LEVELS = frozenset({"inpatient", "residential", "partial_hospitalization"})
URGENCY_RANK = {"urgent": 0, "soon": 1, "routine": 2}
DEFAULT_LENGTH_OF_STAY_DAYS = 42


@dataclass(frozen=True)
class Waiting:
    key: object
    added_on: datetime.date
    urgency: str = "routine"
    stepping_down_from: str = ""


def priority(entry: Waiting) -> tuple:
    stepping_down = 0 if entry.stepping_down_from in STEP_DOWN_LEVELS else 1
    return (stepping_down, URGENCY_RANK.get(entry.urgency, len(URGENCY_RANK)), entry.added_on, str(entry.key))


def in_priority_order(entries: Iterable[Waiting]) -> list[Waiting]:
    return sorted(entries, key=priority)


def next_meeting(on_or_after: datetime.date, weekdays: Sequence[int]) -> datetime.date:
    """The first day on or after `on_or_after` that falls on one of `weekdays` (0 = Monday)."""
    if not weekdays:
        return on_or_after
    for offset in range(7):
        day = on_or_after + datetime.timedelta(days=offset)
        if day.weekday() in weekdays:
            return day
    raise AssertionError("unreachable: weekdays are 0-6")


def expected_starts(
    queue: Sequence[Waiting],
    *,
    capacity: int,
    active: int,
    today: datetime.date,
    weekdays: Sequence[int] = (),
    length_of_stay_days: float = DEFAULT_LENGTH_OF_STAY_DAYS,
) -> dict[object, datetime.date]:
    """Expected start date for each person in `queue` (already in priority order) for one track.

    Never earlier for someone later in line; never before `today`.
    """
    free = max(capacity - active, 0)
    days_per_place = max(length_of_stay_days, 1) / max(capacity, 1)
    starts = {}
    for position, entry in enumerate(queue):
        if position < free:
            wait_days = 0
        else:
            wait_days = math.ceil((position - free + 1) * days_per_place)
        starts[entry.key] = next_meeting(today + datetime.timedelta(days=wait_days), weekdays)
    return starts
