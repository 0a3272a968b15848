"""Why a patient is below their weekly target: the most they could reach, and what limits it.

Reasons, checked in this order: "availability" (even with every place free, the sessions inside their
available windows add up to less than the target), "cap" (the weekly cap is below the target),
"capacity" (places they could use are taken by others), "trade-off" (the hours were reachable; the
schedule spent them elsewhere, or the search stopped first).
"""

import bisect
from dataclasses import dataclass
from functools import cache

from .candidates import candidates, item_window
from .instance import Assignment, Instance, Window


@dataclass(frozen=True)
class Explanation:
    patient: str
    scheduled_minutes: int
    target_minutes: int
    reachable_minutes: int  # given availability and sessions alone (and the cap)
    reason: str
    message: str


def best_week(items: list[tuple[Window, str]], limits: dict[str, int]) -> int:
    """Most minutes from non-overlapping items; an item's kind counts against `limits` if listed there."""
    items = sorted(items, key=lambda item: (item[0].day, item[0].end, item[0].start))
    ends = [(when.day, when.end) for when, _ in items]
    previous = [bisect.bisect_right(ends, (when.day, when.start)) for when, _ in items]
    kinds = sorted(limits)

    @cache
    def best(n: int, left: tuple[int, ...]) -> int:
        if n == 0:
            return 0
        when, kind = items[n - 1]
        value = best(n - 1, left)
        if kind in limits:
            k = kinds.index(kind)
            if left[k] == 0:
                return value
            left = left[:k] + (left[k] - 1,) + left[k + 1 :]
        return max(value, when.minutes + best(previous[n - 1], left))

    result = best(len(items), tuple(limits[k] for k in kinds))
    best.cache_clear()
    return result


def hours(minutes: int) -> str:
    """Hours to one decimal, rounded down so a shortfall never reads as none: 180 -> "3", 539 -> "8.9"."""
    return f"{minutes // 6 / 10:g}"


def explain(instance: Instance, assignments: list[Assignment]) -> dict[str, Explanation]:
    """An explanation for every patient scheduled below their target."""
    cand = candidates(instance)
    minutes = {p.id: 0 for p in instance.patients}
    for a in assignments:
        if a.patient in minutes:
            minutes[a.patient] += item_window(instance, a.session or a.slot).minutes
    result = {}
    for patient in instance.patients:
        scheduled, target = minutes[patient.id], patient.target_minutes
        if scheduled >= target:
            continue
        own = [(item_window(instance, i), _kind(instance, i)) for i in _items(cand, patient.id)]
        available = best_week(own, dict(patient.required))
        reachable = min(available, patient.cap_minutes)
        if available < target:
            reason = "availability"
            message = f"available {hours(available)} h in sessions this week (target {hours(target)} h)"
        elif patient.cap_minutes < target:
            reason = "cap"
            message = (
                f"the weekly cap of {hours(patient.cap_minutes)} h is below the target of {hours(target)} h"
            )
        else:
            still_open = _open_items(instance, cand, assignments, patient.id)
            open_minutes = best_week(
                [(item_window(instance, i), _kind(instance, i)) for i in still_open], dict(patient.required)
            )
            if open_minutes < target:
                reason = "capacity"
                message = (
                    f"capacity taken by others: sessions within availability offer {hours(available)} h, "
                    f"but only {hours(open_minutes)} h have places left"
                )
            else:
                reason = "trade-off"
                message = (
                    f"{hours(open_minutes)} h had places left; the schedule used the time elsewhere "
                    f"or the search stopped first"
                )
        result[patient.id] = Explanation(patient.id, scheduled, target, reachable, reason, message)
    return result


def _items(cand, patient_id: str) -> tuple[str, ...]:
    return cand.patient_sessions[patient_id] + cand.patient_slots[patient_id]


def _kind(instance: Instance, item_id: str) -> str:
    slot = instance.slot_by_id.get(item_id)
    return slot.type if slot else "group"


def _open_items(instance: Instance, cand, assignments: list[Assignment], patient_id: str) -> list[str]:
    """The patient's items that still have a place once everyone else's assignments stay put."""
    others = [a for a in assignments if a.patient != patient_id]
    taken = {}
    for a in others:
        if a.session:
            taken[a.session] = taken.get(a.session, 0) + 1
    used_slots = {a.slot for a in others if a.slot}
    busy_clinicians = [(a.clinician, instance.slot_by_id[a.slot].when) for a in others if a.slot]
    busy_rooms = [(a.room, instance.slot_by_id[a.slot].when) for a in others if a.slot]
    load: dict[str, int] = {}
    for a in others:
        if a.slot:
            load[a.clinician] = load.get(a.clinician, 0) + 1
    result = [g for g in cand.patient_sessions[patient_id] if taken.get(g, 0) < cand.session_seats[g]]
    patient = instance.patient_by_id[patient_id]
    for s in cand.patient_slots[patient_id]:
        if s in used_slots:
            continue
        when = instance.slot_by_id[s].when
        free_clinician = any(
            load.get(c, 0) < instance.clinician_by_id[c].caseload_limit
            and not any(b == c and t.overlaps(when) for b, t in busy_clinicians)
            for c in cand.slot_clinicians[s]
        )
        free_room = any(
            (instance.room_by_id[r].accessible or not patient.needs_accessible)
            and not any(b == r and t.overlaps(when) for b, t in busy_rooms)
            for r in cand.slot_rooms[s]
        )
        if free_clinician and free_room:
            result.append(s)
    return result
