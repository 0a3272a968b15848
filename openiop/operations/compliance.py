"""Compliance lists (PRODUCT.md §8, issue 9): what is due soon, due today or overdue, with owners and due
dates. Plain Python: candidate records in, classified items out; no Django, no I/O.

Rules:
- A dated obligation (plan, review, certification, measures, discharge) is `due_soon` when its due date is
  within the next `SOON_DAYS` days, `due_today` on the day, and `overdue` from the day after, with the
  whole days since the due date. Anything due later than `SOON_DAYS` days ahead is not listed.
- An unsigned note is held to the notes app's clock (openiop/notes/timeliness.py): due within 24 hours of
  the END of the service it documents (the session's end time, or the end of the day when no time was
  recorded), not of when the draft was created, so a draft started late does not look on time. It is
  listed once that service ended more than 24 hours ago (`past_24h`) and escalated after 72 hours
  (`past_72h`); its days overdue count from the 24-hour deadline.
- Most overdue first: items are sorted by how long ago their deadline passed (latest deadline last).
"""

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# The same window as the treatment plans' "due soon" (openiop/treatment/schedule.py).
SOON_DAYS = 7
NOTE_DUE_WITHIN = datetime.timedelta(hours=24)
NOTE_ESCALATE_AFTER = datetime.timedelta(hours=72)

# Kinds of obligation, in the order the page lists them.
INITIAL_PLAN = "initial_plan"
PLAN_REVIEW = "plan_review"
CERTIFICATION = "certification"
RECERTIFICATION = "recertification"
UNSIGNED_NOTE = "unsigned_note"
MEASURES = "measures"
DISCHARGE = "discharge"
KINDS = (INITIAL_PLAN, PLAN_REVIEW, CERTIFICATION, RECERTIFICATION, UNSIGNED_NOTE, MEASURES, DISCHARGE)
KIND_LABELS = {
    INITIAL_PLAN: "Initial treatment plans",
    PLAN_REVIEW: "Treatment plan reviews",
    CERTIFICATION: "Certifications",
    RECERTIFICATION: "Recertifications",
    UNSIGNED_NOTE: "Unsigned notes",
    MEASURES: "Measures",
    DISCHARGE: "Discharges missing parts",
}

DUE_SOON = "due_soon"
DUE_TODAY = "due_today"
OVERDUE = "overdue"
PAST_24H = "past_24h"
PAST_72H = "past_72h"
STATUSES = (DUE_SOON, DUE_TODAY, OVERDUE, PAST_24H, PAST_72H)
STATUS_LABELS = {
    DUE_SOON: "Due soon",
    DUE_TODAY: "Due today",
    OVERDUE: "Overdue",
    PAST_24H: "Unsigned more than 24 hours after the service",
    PAST_72H: "Unsigned more than 72 hours after the service",
}
# Statuses that mean a deadline has passed ("overdue only" on the page).
LATE = frozenset({OVERDUE, PAST_24H, PAST_72H})

_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Candidate:
    """One obligation read from the record. Dated obligations carry `due_on`; unsigned notes carry
    `service_ended` (aware) instead. `subject` is passed through untouched (the caller's patient)."""

    kind: str
    episode_id: int | None
    record_number: str
    patient_name: str
    owner_id: int | None
    owner: str
    what: str
    due_on: datetime.date | None = None
    service_ended: datetime.datetime | None = None
    subject: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Item:
    candidate: Candidate
    status: str
    days_overdue: int  # whole days since the deadline; 0 when not yet late
    lateness: float  # days since the deadline (negative when not yet due): the sort key

    @property
    def kind(self) -> str:
        return self.candidate.kind

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def is_late(self) -> bool:
        return self.status in LATE

    @property
    def deadline(self) -> datetime.date | datetime.datetime | None:
        """The due date, or for a note the moment it became late (24 hours after the service)."""
        c = self.candidate
        return c.due_on if c.due_on is not None else c.service_ended + NOTE_DUE_WITHIN


def classify_dated(due_on: datetime.date, today: datetime.date) -> tuple[str, int] | None:
    """(status, days overdue) of an obligation due on `due_on`, or None when not due within the window."""
    days = (today - due_on).days
    if days > 0:
        return OVERDUE, days
    if days == 0:
        return DUE_TODAY, 0
    if days >= -SOON_DAYS:
        return DUE_SOON, 0
    return None


def classify_note(service_ended: datetime.datetime, now: datetime.datetime) -> tuple[str, int] | None:
    """(status, days past the 24-hour deadline) of an unsigned note, or None while it is still on time."""
    since = now - service_ended
    if since > NOTE_ESCALATE_AFTER:
        status = PAST_72H
    elif since > NOTE_DUE_WITHIN:
        status = PAST_24H
    else:
        return None
    return status, (since - NOTE_DUE_WITHIN) // _DAY


def classify(candidate: Candidate, now: datetime.datetime, today: datetime.date) -> Item | None:
    """The candidate's item on `today` (local date of `now`), or None when nothing is due yet."""
    if candidate.service_ended is not None:
        found = classify_note(candidate.service_ended, now)
        lateness = (now - candidate.service_ended - NOTE_DUE_WITHIN) / _DAY
    elif candidate.due_on is not None:
        found = classify_dated(candidate.due_on, today)
        lateness = float((today - candidate.due_on).days)
    else:
        raise ValueError(f"{candidate!r} has neither a due date nor a service end")
    if found is None:
        return None
    status, days = found
    return Item(candidate, status, days, lateness)


def sort_key(item: Item) -> tuple:
    c = item.candidate
    return (-item.lateness, c.record_number, c.what, c.owner)


def classify_all(candidates: Iterable[Candidate], now: datetime.datetime, today: datetime.date) -> list[Item]:
    """Every candidate that is due within the window, most overdue first."""
    items = [item for c in candidates if (item := classify(c, now, today)) is not None]
    return sorted(items, key=sort_key)


def select(
    items: Iterable[Item], *, kind: str = "", owner_id: int | None = None, late_only: bool = False, status=""
) -> list[Item]:
    """Items matching the page's filters (each filter ignored when empty). Order is kept."""
    return [
        item
        for item in items
        if (not kind or item.kind == kind)
        and (owner_id is None or item.candidate.owner_id == owner_id)
        and (not late_only or item.is_late)
        and (not status or item.status == status)
    ]


def by_kind(items: Iterable[Item]) -> dict[str, list[Item]]:
    """Items grouped per kind, every kind present (possibly empty), in `KINDS` order."""
    grouped: dict[str, list[Item]] = {kind: [] for kind in KINDS}
    for item in items:
        grouped[item.kind].append(item)
    return grouped


def counts_per_kind(items: Iterable[Item]) -> dict[str, Counter]:
    """kind -> Counter of statuses, for every kind (zero counts for kinds with nothing due)."""
    counts = {kind: Counter() for kind in KINDS}
    for item in items:
        counts[item.kind][item.status] += 1
    return counts


def counts_per_owner(items: Iterable[Item]) -> dict[str, Counter]:
    """Owner label -> Counter of statuses, owners in name order ("" for items nobody owns)."""
    counts: dict[str, Counter] = {}
    for item in items:
        counts.setdefault(item.candidate.owner, Counter())[item.status] += 1
    return dict(sorted(counts.items()))
