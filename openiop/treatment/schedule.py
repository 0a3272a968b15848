"""When a plan or its review is due. Framework-free: dates in, a standing out.

An admitted episode needs an active plan within the program's initial-plan days (7 by default,
`Program.initial_plan_due_days`, PRODUCT.md section 2). An active plan is reviewed every
`review_interval_days` (30 by default) from its activation or its last review, and sooner when another
capability raises a trigger (no progress, deterioration, step-up), which carries its own due date.
"""

import datetime
from dataclasses import dataclass

# "Due soon" on lists: within a week.
SOON_DAYS = 7

NO_PLAN, DRAFTING, AWAITING, ACTIVE = "no_plan", "drafting", "awaiting_signatures", "active"


@dataclass(frozen=True)
class Standing:
    plan: str  # NO_PLAN, DRAFTING, AWAITING (no active plan yet) or ACTIVE
    due: str  # "plan", "review" or "" (nothing due)
    due_on: datetime.date | None
    overdue: bool
    soon: bool

    @property
    def sort_key(self) -> tuple:
        """Overdue first (most overdue first), then due soonest; nothing due last."""
        if self.due_on is None:
            return (2, datetime.date.max)
        return (0 if self.overdue else 1, self.due_on)


def next_review_on(
    *, activated_on: datetime.date, last_review_on: datetime.date | None, interval_days: int
) -> datetime.date:
    start = max(activated_on, last_review_on) if last_review_on else activated_on
    return start + datetime.timedelta(days=interval_days)


def standing(
    *,
    today: datetime.date,
    admitted_on: datetime.date | None,
    plan_due_days: int,
    open_status: str = "",
    activated_on: datetime.date | None = None,
    last_review_on: datetime.date | None = None,
    interval_days: int = 30,
    triggered_due_on: datetime.date | None = None,
) -> Standing:
    """Where an episode's plan stands on `today`. `open_status` is the status of a version in progress."""
    if activated_on is None:
        state = {"draft": DRAFTING, "awaiting_signatures": AWAITING}.get(open_status, NO_PLAN)
        if admitted_on is None:
            return Standing(state, "", None, False, False)
        due_on = admitted_on + datetime.timedelta(days=plan_due_days)
        return Standing(state, "plan", due_on, due_on < today, _soon(due_on, today))
    due_on = next_review_on(
        activated_on=activated_on, last_review_on=last_review_on, interval_days=interval_days
    )
    if triggered_due_on is not None:
        due_on = min(due_on, triggered_due_on)
    return Standing(ACTIVE, "review", due_on, due_on < today, _soon(due_on, today))


def _soon(due_on: datetime.date, today: datetime.date) -> bool:
    return today <= due_on <= today + datetime.timedelta(days=SOON_DAYS)
