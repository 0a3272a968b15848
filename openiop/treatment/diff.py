"""A readable diff between two versions of a plan's content. Framework-free.

Items are paired by their `key`, which a new version copies from the version it is based on, so "the same
objective with a new target date" reads as one change, not as one removal and one addition. The diff of
two contents is empty exactly when they are equal (the names of responsible staff, kept for reading, aside).
"""

from dataclasses import dataclass

from .content import (
    GoalContent,
    InterventionContent,
    ObjectiveContent,
    PlanContent,
    ProblemContent,
)

ADDED, REMOVED, CHANGED, MOVED = "added", "removed", "changed", "moved"

# Fields compared per kind of item, in reading order. Children (goals, objectives…) are walked separately.
PLAN_FIELDS = ("strengths", "discharge_criteria", "review_interval_days")
ITEM_FIELDS = {
    "problem": ("icd10_code", "description", "evidenced_by"),
    "goal": ("text",),
    "objective": (
        "text",
        "baseline",
        "target",
        "target_date",
        "measure_instrument",
        "measure_comparator",
        "measure_value",
    ),
    "intervention": ("modality", "description", "frequency", "responsible"),
}


@dataclass(frozen=True)
class Change:
    """One difference. `where` names the item from the top ("Problem 1", "Goal 2"…), by the newer numbering
    for items in both versions and the older numbering for removed ones."""

    kind: str  # added, removed, changed, moved
    item: str  # plan, problem, goal, objective, intervention
    where: tuple[str, ...]
    summary: str  # a short name of the item: its description or text
    field: str = ""  # for "changed": which field
    before: str = ""
    after: str = ""


def diff_plans(old: PlanContent, new: PlanContent) -> list[Change]:
    """What changed from `old` to `new`, in the newer plan's reading order, removals where they were."""
    changes: list[Change] = []
    for name in PLAN_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            changes.append(Change(CHANGED, "plan", (), "", name, _show(before), _show(after)))
    changes += _diff_items("problem", (), old.problems, new.problems)
    return changes


def _diff_items(kind: str, where: tuple[str, ...], old_items, new_items) -> list[Change]:
    changes: list[Change] = []
    old_by_key = {item.key: (index, item) for index, item in enumerate(old_items)}
    new_keys = {item.key for item in new_items}
    # Items kept in both, in their old relative order: one that changed places among them has "moved".
    kept_old_order = [item.key for item in old_items if item.key in new_keys]
    kept_new_order = [item.key for item in new_items if item.key in old_by_key]
    for index, item in enumerate(new_items):
        here = (*where, f"{kind.capitalize()} {index + 1}")
        if item.key not in old_by_key:
            changes.append(Change(ADDED, kind, here, _summary(kind, item)))
            changes += _children_added(kind, here, item)
            continue
        old_index, before = old_by_key[item.key]
        if kept_old_order.index(item.key) != kept_new_order.index(item.key):
            changes.append(
                Change(
                    MOVED, kind, here, _summary(kind, item), before=str(old_index + 1), after=str(index + 1)
                )
            )
        for name in ITEM_FIELDS[kind]:
            a, b = getattr(before, name), getattr(item, name)
            if a != b:
                changes.append(
                    Change(
                        CHANGED,
                        kind,
                        here,
                        _summary(kind, item),
                        name,
                        _show(a, before, name),
                        _show(b, item, name),
                    )
                )
        changes += _diff_children(kind, here, before, item)
    for index, item in enumerate(old_items):
        if item.key not in new_keys:
            there = (*where, f"{kind.capitalize()} {index + 1}")
            changes.append(Change(REMOVED, kind, there, _summary(kind, item)))
            changes += _children_removed(kind, there, item)
    return changes


def _diff_children(kind, here, before, after) -> list[Change]:
    if kind == "problem":
        return _diff_items("goal", here, before.goals, after.goals)
    if kind == "goal":
        return _diff_items("objective", here, before.objectives, after.objectives) + _diff_items(
            "intervention", here, before.interventions, after.interventions
        )
    return []


def _children_added(kind, here, item) -> list[Change]:
    """A new item's own children are new too; listing them lets a reader see the whole addition."""
    empty = _EMPTY.get(kind)
    return [] if empty is None else _diff_children(kind, here, empty, item)


def _children_removed(kind, there, item) -> list[Change]:
    """And a removed item's children go with it."""
    empty = _EMPTY.get(kind)
    return [] if empty is None else _diff_children(kind, there, item, empty)


_EMPTY = {"problem": ProblemContent(""), "goal": GoalContent("")}


def _summary(kind: str, item) -> str:
    if isinstance(item, ProblemContent):
        return f"{item.icd10_code} {item.description}".strip()
    if isinstance(item, GoalContent | ObjectiveContent):
        return item.text
    if isinstance(item, InterventionContent):
        return item.modality
    return kind


def _show(value, item=None, name: str = "") -> str:
    if value is None:
        return ""
    if name == "responsible" and isinstance(item, InterventionContent) and item.responsible_name:
        return item.responsible_name
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def field_names() -> set[str]:
    """Every field the diff may name, for the layer that translates them into labels."""
    names = set(PLAN_FIELDS)
    for kind_fields in ITEM_FIELDS.values():
        names |= set(kind_fields)
    return names
