"""What must be done (or explicitly waived) before an episode's discharge can close. Pure: no ORM.

The service layer builds a `Snapshot` from the database and asks `evaluate(snapshot)` for one `Item` per
requirement. `may_close` is true exactly when every item is done or waived. A waiver counts only with a
reason of at least `MIN_WAIVER_REASON` characters (after trimming): "n/a" is not a reason.

Rules (issue: "the episode closes only when the required parts are done or explicitly waived"):
- aftercare: at least one aftercare appointment. Only a left-against-advice or administrative discharge may
  waive it (the person may not take part in planning); a completed or stepped up/down discharge always has
  somewhere to go next, and that appointment is what the next provider needs.
- support groups: the support-groups text is filled in, or waived.
- crisis plan: a signed safety plan exists, or the crisis-plan text is filled in, or waived.
- summary note: a signed discharge note for the patient, written on/after the discharge was started or
  in the `SUMMARY_NOTE_LOOKBACK_DAYS` before it (a summary written just before "plan discharge" counts),
  or waived.
- final measures: every instrument the program schedules at discharge has an administration from
  `planned_on - early_days` on, or waived (as a whole).
"""

import datetime
from dataclasses import dataclass, field

COMPLETED = "completed"
STEPPED_UP = "stepped_up"
STEPPED_DOWN = "stepped_down"
LEFT_AGAINST_ADVICE = "left_against_advice"
ADMINISTRATIVE = "administrative"
REASONS = (COMPLETED, STEPPED_UP, STEPPED_DOWN, LEFT_AGAINST_ADVICE, ADMINISTRATIVE)
# Reasons that move the person to another level of care: closing records a LevelTransition.
LEVEL_CHANGE_REASONS = (STEPPED_UP, STEPPED_DOWN)
# Reasons where the person may not have taken part in planning: waiving aftercare is expected.
UNPLANNED_REASONS = (LEFT_AGAINST_ADVICE, ADMINISTRATIVE)

AFTERCARE = "aftercare"
SUPPORT_GROUPS = "support_groups"
CRISIS_PLAN = "crisis_plan"
SUMMARY_NOTE = "summary_note"
FINAL_MEASURES = "final_measures"
REQUIREMENTS = (AFTERCARE, SUPPORT_GROUPS, CRISIS_PLAN, SUMMARY_NOTE, FINAL_MEASURES)

DONE = "done"
WAIVED = "waived"
MISSING = "missing"

MIN_WAIVER_REASON = 10
SUMMARY_NOTE_LOOKBACK_DAYS = 14


@dataclass(frozen=True)
class Snapshot:
    """Everything the checklist looks at, read by the caller."""

    reason: str
    started_on: datetime.date
    planned_on: datetime.date
    aftercare_count: int = 0
    support_groups: str = ""
    crisis_plan: str = ""
    has_signed_safety_plan: bool = False
    # Dates (local) the patient's signed discharge notes were written.
    signed_summary_dates: tuple[datetime.date, ...] = ()
    # Instrument codes the program schedules at discharge, and the latest administration date of each.
    discharge_instruments: tuple[str, ...] = ()
    latest_administered: dict[str, datetime.date] = field(default_factory=dict)
    early_days: int = 7
    # requirement -> waiver reason
    waivers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    requirement: str
    state: str
    message: str
    waivable: bool = True
    waiver_reason: str = ""

    @property
    def ok(self) -> bool:
        return self.state in (DONE, WAIVED)


def valid_waiver_reason(reason: str) -> bool:
    return len((reason or "").strip()) >= MIN_WAIVER_REASON


def _summary_window_start(snapshot: Snapshot) -> datetime.date:
    return snapshot.started_on - datetime.timedelta(days=SUMMARY_NOTE_LOOKBACK_DAYS)


def measures_due_from(snapshot: Snapshot) -> datetime.date:
    return snapshot.planned_on - datetime.timedelta(days=snapshot.early_days)


def missing_instruments(snapshot: Snapshot) -> list[str]:
    since = measures_due_from(snapshot)
    return [
        code
        for code in snapshot.discharge_instruments
        if (day := snapshot.latest_administered.get(code)) is None or day < since
    ]


def _done(snapshot: Snapshot, requirement: str) -> tuple[bool, str]:
    """(done?, message) for one requirement, ignoring waivers."""
    if requirement == AFTERCARE:
        n = snapshot.aftercare_count
        if n:
            return True, f"{n} aftercare appointment{'s' if n != 1 else ''} booked."
        if snapshot.reason in UNPLANNED_REASONS:
            return (
                False,
                "No aftercare appointment yet. Add one, or waive it if the person cannot be reached.",
            )
        return False, "No aftercare appointment yet: add at least one."
    if requirement == SUPPORT_GROUPS:
        if snapshot.support_groups.strip():
            return True, "Support groups recorded."
        return False, "No support groups recorded: add them, or waive with a reason."
    if requirement == CRISIS_PLAN:
        if snapshot.has_signed_safety_plan:
            return True, "The signed safety plan is the crisis plan."
        if snapshot.crisis_plan.strip():
            return True, "Crisis plan written."
        return (
            False,
            "No signed safety plan and no crisis plan: sign the safety plan or write the crisis plan.",
        )
    if requirement == SUMMARY_NOTE:
        since = _summary_window_start(snapshot)
        if any(day >= since for day in snapshot.signed_summary_dates):
            return True, "Discharge summary note signed."
        return False, f"No signed discharge summary note since {since.isoformat()}: write and sign it."
    if requirement == FINAL_MEASURES:
        if not snapshot.discharge_instruments:
            return True, "The program schedules no measures at discharge."
        missing = missing_instruments(snapshot)
        if not missing:
            return True, "Final measures recorded."
        since = measures_due_from(snapshot).isoformat()
        return False, f"Final measures not recorded since {since}: {', '.join(missing)}."
    raise ValueError(f"unknown requirement {requirement!r}")


def waivable(reason: str, requirement: str) -> bool:
    return requirement != AFTERCARE or reason in UNPLANNED_REASONS


def evaluate(snapshot: Snapshot) -> list[Item]:
    """One item per requirement, in `REQUIREMENTS` order. A done requirement is done even when waived;
    a waiver of a requirement that may not be waived for this reason (kept after a reason change) is ignored."""
    items = []
    for requirement in REQUIREMENTS:
        done, message = _done(snapshot, requirement)
        may_waive = waivable(snapshot.reason, requirement)
        waiver = snapshot.waivers.get(requirement, "") if may_waive else ""
        if done:
            items.append(Item(requirement, DONE, message, waivable=may_waive))
        elif valid_waiver_reason(waiver):
            items.append(Item(requirement, WAIVED, f"Waived: {waiver.strip()}", waiver_reason=waiver.strip()))
        else:
            items.append(Item(requirement, MISSING, message, waivable=may_waive))
    return items


def may_close(items: list[Item]) -> bool:
    return all(item.ok for item in items)


def missing(items: list[Item]) -> list[Item]:
    return [item for item in items if not item.ok]
