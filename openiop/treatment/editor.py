"""The one-screen plan editor: a posted form ⇄ a plain tree ⇄ the plan's content.

The editor posts the whole draft at once. Field names carry the item's place ("p0-g1-o2-target_date":
problem 1, goal 2, objective 3), and each item posts its `key`, so items keep their identity across saves
and versions. "Add …" and "Remove …" buttons change the tree and show the page again without saving
(nothing needs JavaScript). Errors come back as dotted paths ("problems.0.goals.1.objectives.2.target_date")
and are shown at the field of the same place.
"""

import datetime
import re
import uuid
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import content as core
from .models import Comparator, Modality

ITEM = re.compile(r"^p(\d+)(?:-g(\d+)(?:-([oi])(\d+))?)?-key$")
PROBLEM_FIELDS = ("icd10_code", "description", "evidenced_by")
GOAL_FIELDS = ("text",)
OBJECTIVE_FIELDS = (
    "text",
    "baseline",
    "target",
    "target_date",
    "measure_instrument",
    "measure_comparator",
    "measure_value",
)
INTERVENTION_FIELDS = ("modality", "frequency", "responsible", "description")
PLAN_FIELDS = ("strengths", "discharge_criteria", "review_interval_days", "responsible_clinician")

LABELS = {
    "icd10_code": gettext_lazy("ICD-10-CM code"),
    "description": gettext_lazy("Description"),
    "evidenced_by": gettext_lazy("As evidenced by"),
    "text": gettext_lazy("Text"),
    "baseline": gettext_lazy("Baseline"),
    "target": gettext_lazy("Target"),
    "target_date": gettext_lazy("Target date"),
    "measure_instrument": gettext_lazy("Measure"),
    "measure_comparator": gettext_lazy("Score"),
    "measure_value": gettext_lazy("Value"),
    "modality": gettext_lazy("Modality"),
    "frequency": gettext_lazy("Frequency"),
    "responsible": gettext_lazy("Responsible staff"),
    "strengths": gettext_lazy("Strengths and supports"),
    "discharge_criteria": gettext_lazy("Discharge criteria"),
    "review_interval_days": gettext_lazy("Review every (days)"),
    "responsible_clinician": gettext_lazy("Responsible clinician"),
}


def tree_from_content(plan_content: core.PlanContent, *, responsible_clinician: str) -> dict:
    """The editor's tree of strings for a saved content."""
    data = core.to_dict(plan_content)
    tree = {
        "strengths": data["strengths"],
        "discharge_criteria": data["discharge_criteria"],
        "review_interval_days": str(data["review_interval_days"]),
        "responsible_clinician": responsible_clinician,
        "problems": [],
    }
    for problem in data["problems"]:
        goals = []
        for goal in problem["goals"]:
            goals.append(
                {
                    "key": goal["key"],
                    "text": goal["text"],
                    "objectives": [
                        {name: _text(o.get(name)) for name in ("key", *OBJECTIVE_FIELDS)}
                        for o in goal["objectives"]
                    ],
                    "interventions": [
                        {name: _text(i.get(name)) for name in ("key", *INTERVENTION_FIELDS)}
                        for i in goal["interventions"]
                    ],
                }
            )
        tree["problems"].append({**{n: problem[n] for n in ("key", *PROBLEM_FIELDS)}, "goals": goals})
    return tree


def _text(value) -> str:
    if value is None:
        return ""
    return str(value)


def tree_from_post(data) -> dict:
    """The tree as posted, items in the order of their indices."""
    tree = {name: data.get(name, "").strip() for name in PLAN_FIELDS}
    problems: dict[int, dict] = {}
    for name in data:
        match = ITEM.match(name)
        if not match:
            continue
        p, g, kind, k = match.groups()
        problem = problems.setdefault(int(p), {"goals": {}})
        if g is None:
            problem.update(_fields(data, f"p{p}", PROBLEM_FIELDS))
            continue
        goal = problem["goals"].setdefault(int(g), {"objectives": {}, "interventions": {}})
        prefix = f"p{p}-g{g}"
        if kind is None:
            goal.update(_fields(data, prefix, GOAL_FIELDS))
        elif kind == "o":
            goal["objectives"][int(k)] = _fields(data, f"{prefix}-o{k}", OBJECTIVE_FIELDS)
        else:
            goal["interventions"][int(k)] = _fields(data, f"{prefix}-i{k}", INTERVENTION_FIELDS)
    tree["problems"] = []
    for p in sorted(problems):
        problem = problems[p]
        if "key" not in problem:
            continue  # goals posted without their problem: ignore the orphans
        goals = []
        for g in sorted(problem["goals"]):
            goal = problem["goals"][g]
            if "key" not in goal:
                continue
            goal["objectives"] = [goal["objectives"][k] for k in sorted(goal["objectives"])]
            goal["interventions"] = [goal["interventions"][k] for k in sorted(goal["interventions"])]
            goals.append(goal)
        problem["goals"] = goals
        tree["problems"].append(problem)
    return tree


def _fields(data, prefix: str, names) -> dict:
    values = {name: data.get(f"{prefix}-{name}", "").strip() for name in names}
    key = data.get(f"{prefix}-key", "")
    values["key"] = key if _is_uuid(key) else str(uuid.uuid4())
    return values


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def new_objective() -> dict:
    return {"key": str(uuid.uuid4()), **dict.fromkeys(OBJECTIVE_FIELDS, "")}


def new_intervention() -> dict:
    return {"key": str(uuid.uuid4()), **dict.fromkeys(INTERVENTION_FIELDS, "")}


def new_goal() -> dict:
    return {
        "key": str(uuid.uuid4()),
        "text": "",
        "objectives": [new_objective()],
        "interventions": [new_intervention()],
    }


def new_problem() -> dict:
    return {"key": str(uuid.uuid4()), **dict.fromkeys(PROBLEM_FIELDS, ""), "goals": [new_goal()]}


def apply_action(tree: dict, action: str) -> tuple[dict, str]:
    """Add or remove an item named by `action` ("add_goal:0", "remove_objective:0:1:2"). Returns the tree
    and what happened, for the message (nothing is saved)."""
    verb, _sep, where = action.partition(":")
    try:
        at = [int(part) for part in where.split(":")] if where else []
        if verb == "add_problem":
            tree["problems"].append(new_problem())
            return tree, _("Problem added.")
        problem = tree["problems"][at[0]]
        if verb == "remove_problem":
            del tree["problems"][at[0]]
            return tree, _("Problem removed.")
        if verb == "add_goal":
            problem["goals"].append(new_goal())
            return tree, _("Goal added.")
        goal = problem["goals"][at[1]]
        if verb == "remove_goal":
            del problem["goals"][at[1]]
            return tree, _("Goal removed.")
        if verb == "add_objective":
            goal["objectives"].append(new_objective())
            return tree, _("Objective added.")
        if verb == "add_intervention":
            goal["interventions"].append(new_intervention())
            return tree, _("Intervention added.")
        if verb == "remove_objective":
            del goal["objectives"][at[2]]
            return tree, _("Objective removed.")
        if verb == "remove_intervention":
            del goal["interventions"][at[2]]
            return tree, _("Intervention removed.")
    except (IndexError, ValueError):
        pass
    return tree, _("That part of the plan is no longer on the page.")


def content_from_tree(tree: dict) -> tuple[core.PlanContent, list[core.Issue]]:
    """The content the tree describes, and the values that could not be read (dates, numbers)."""
    issues: list[core.Issue] = []
    try:
        interval = int(tree.get("review_interval_days") or 0)
    except ValueError:
        interval = 0
    problems = []
    for p, problem in enumerate(tree["problems"]):
        goals = []
        for g, goal in enumerate(problem["goals"]):
            objectives = []
            for o, objective in enumerate(goal["objectives"]):
                at = ("problems", p, "goals", g, "objectives", o)
                target_date = None
                if objective["target_date"]:
                    try:
                        target_date = datetime.date.fromisoformat(objective["target_date"])
                    except ValueError:
                        issues.append(core.Issue((*at, "target_date"), _("Enter a date as YYYY-MM-DD.")))
                value = None
                if objective["measure_value"]:
                    try:
                        value = Decimal(objective["measure_value"])
                        if not value.is_finite():
                            raise InvalidOperation
                    except InvalidOperation:
                        issues.append(core.Issue((*at, "measure_value"), _("Enter a number, e.g. 10.")))
                        value = None
                objectives.append(
                    core.ObjectiveContent(
                        key=objective["key"],
                        text=objective["text"],
                        baseline=objective["baseline"],
                        target=objective["target"],
                        target_date=target_date,
                        measure_instrument=objective["measure_instrument"].upper(),
                        measure_comparator=objective["measure_comparator"],
                        measure_value=value,
                    )
                )
            interventions = [
                core.InterventionContent(
                    key=i["key"],
                    modality=i["modality"],
                    frequency=i["frequency"],
                    responsible=i["responsible"],
                    description=i["description"],
                )
                for i in goal["interventions"]
            ]
            goals.append(
                core.GoalContent(
                    key=goal["key"],
                    text=goal["text"],
                    objectives=tuple(objectives),
                    interventions=tuple(interventions),
                )
            )
        problems.append(
            core.ProblemContent(
                key=problem["key"],
                icd10_code=problem["icd10_code"],
                description=problem["description"],
                evidenced_by=problem["evidenced_by"],
                goals=tuple(goals),
            )
        )
    content = core.PlanContent(
        problems=tuple(problems),
        strengths=tree.get("strengths", ""),
        discharge_criteria=tree.get("discharge_criteria", ""),
        review_interval_days=interval,
    )
    return content, issues


# --- rendering -----------------------------------------------------------------------------------------------


class Field:
    """One input of the editor, with its label, value, choices and errors."""

    def __init__(
        self, name, path, label, value, *, kind="text", required=False, choices=None, help="", errors=()
    ):
        self.name, self.path, self.label, self.value = name, path, label, value
        self.kind, self.required, self.choices, self.help = kind, required, choices or [], help
        self.errors = list(errors)

    @property
    def id(self) -> str:
        return f"id_{self.name}"


def _make(errors, prefix, path, name, value, *, label=None, **options) -> Field:
    dotted = ".".join(str(p) for p in (*path, name))
    field_name = f"{prefix}-{name}" if prefix else name
    return Field(field_name, dotted, label or LABELS[name], value, errors=errors.get(dotted, ()), **options)


def editor_view(tree: dict, errors: dict[str, list[str]], *, staff_choices, clinician_choices) -> dict:
    """What the template renders: plan fields and the item tree, each field with its errors."""
    modality_choices = [("", _("Choose…")), *Modality.choices]
    comparator_choices = [("", "—"), *Comparator.choices]
    plan_fields = [
        _make(
            errors,
            "",
            (),
            "responsible_clinician",
            tree.get("responsible_clinician", ""),
            kind="select",
            required=True,
            choices=clinician_choices,
            help=_("Signs the plan as its clinician and owns its reviews."),
        ),
        _make(
            errors,
            "",
            (),
            "review_interval_days",
            tree.get("review_interval_days", ""),
            kind="number",
            required=True,
            help=_("7 to 90 days."),
        ),
        _make(errors, "", (), "strengths", tree.get("strengths", ""), kind="textarea"),
        _make(errors, "", (), "discharge_criteria", tree.get("discharge_criteria", ""), kind="textarea"),
    ]
    problems = []
    for p, problem in enumerate(tree["problems"]):
        at = ("problems", p)
        goals = []
        for g, goal in enumerate(problem["goals"]):
            gat = (*at, "goals", g)
            gprefix = f"p{p}-g{g}"
            objectives = [
                {
                    "prefix": f"{gprefix}-o{o}",
                    "key": objective["key"],
                    "number": o + 1,
                    "where": f"{p}:{g}:{o}",
                    "fields": [
                        _make(
                            errors,
                            f"{gprefix}-o{o}",
                            (*gat, "objectives", o),
                            "text",
                            objective["text"],
                            kind="textarea",
                            required=True,
                            label=_("Objective (measurable)"),
                        ),
                        _make(
                            errors,
                            f"{gprefix}-o{o}",
                            (*gat, "objectives", o),
                            "baseline",
                            objective["baseline"],
                        ),
                        _make(
                            errors,
                            f"{gprefix}-o{o}",
                            (*gat, "objectives", o),
                            "target",
                            objective["target"],
                            required=True,
                        ),
                        _make(
                            errors,
                            f"{gprefix}-o{o}",
                            (*gat, "objectives", o),
                            "target_date",
                            objective["target_date"],
                            kind="date",
                            required=True,
                        ),
                    ],
                    "measure": [
                        _make(
                            errors,
                            f"{gprefix}-o{o}",
                            (*gat, "objectives", o),
                            "measure_instrument",
                            objective["measure_instrument"],
                            help=_("Optional, e.g. PHQ-9."),
                        ),
                        _make(
                            errors,
                            f"{gprefix}-o{o}",
                            (*gat, "objectives", o),
                            "measure_comparator",
                            objective["measure_comparator"],
                            kind="select",
                            choices=comparator_choices,
                        ),
                        _make(
                            errors,
                            f"{gprefix}-o{o}",
                            (*gat, "objectives", o),
                            "measure_value",
                            objective["measure_value"],
                            kind="number",
                        ),
                    ],
                    "errors": errors.get(".".join(str(x) for x in (*gat, "objectives", o)), []),
                }
                for o, objective in enumerate(goal["objectives"])
            ]
            interventions = [
                {
                    "prefix": f"{gprefix}-i{i}",
                    "key": intervention["key"],
                    "number": i + 1,
                    "where": f"{p}:{g}:{i}",
                    "fields": [
                        _make(
                            errors,
                            f"{gprefix}-i{i}",
                            (*gat, "interventions", i),
                            "modality",
                            intervention["modality"],
                            kind="select",
                            required=True,
                            choices=modality_choices,
                        ),
                        _make(
                            errors,
                            f"{gprefix}-i{i}",
                            (*gat, "interventions", i),
                            "frequency",
                            intervention["frequency"],
                            required=True,
                            help=_("e.g. 3 groups a week."),
                        ),
                        _make(
                            errors,
                            f"{gprefix}-i{i}",
                            (*gat, "interventions", i),
                            "responsible",
                            intervention["responsible"],
                            kind="select",
                            required=True,
                            choices=staff_choices,
                        ),
                        _make(
                            errors,
                            f"{gprefix}-i{i}",
                            (*gat, "interventions", i),
                            "description",
                            intervention["description"],
                            kind="textarea",
                        ),
                    ],
                }
                for i, intervention in enumerate(goal["interventions"])
            ]
            goals.append(
                {
                    "prefix": gprefix,
                    "key": goal["key"],
                    "number": g + 1,
                    "where": f"{p}:{g}",
                    "fields": [
                        _make(
                            errors,
                            gprefix,
                            gat,
                            "text",
                            goal["text"],
                            kind="textarea",
                            required=True,
                            label=_("Goal, in the patient's own words"),
                            help=_("In the patient's own words, e.g. “I want to get back to work.”"),
                        ),
                    ],
                    "objectives": objectives,
                    "interventions": interventions,
                    "objective_errors": errors.get(".".join(str(x) for x in (*gat, "objectives")), []),
                    "intervention_errors": errors.get(".".join(str(x) for x in (*gat, "interventions")), []),
                }
            )
        problems.append(
            {
                "prefix": f"p{p}",
                "key": problem["key"],
                "number": p + 1,
                "where": str(p),
                "fields": [
                    _make(
                        errors,
                        f"p{p}",
                        at,
                        "description",
                        problem["description"],
                        required=True,
                        label=_("Problem"),
                    ),
                    _make(
                        errors,
                        f"p{p}",
                        at,
                        "icd10_code",
                        problem["icd10_code"],
                        help=_("Optional, e.g. F33.1."),
                    ),
                    _make(errors, f"p{p}", at, "evidenced_by", problem["evidenced_by"], kind="textarea"),
                ],
                "goals": goals,
                "goal_errors": errors.get(".".join(str(x) for x in (*at, "goals")), []),
            }
        )
    shown = {f.path for f in _all_fields(plan_fields, problems)}
    # Errors with no field of their own (e.g. "add at least one problem") go to the summary.
    summary = [(path, message) for path, messages in errors.items() for message in messages]
    return {
        "plan_fields": plan_fields,
        "problems": problems,
        "summary": [
            (f"id_{_field_name(path)}" if path in shown else "", _label_of(path), message)
            for path, message in summary
        ],
        "problem_errors": errors.get("problems", []),
    }


def _all_fields(plan_fields, problems):
    yield from plan_fields
    for problem in problems:
        yield from problem["fields"]
        for goal in problem["goals"]:
            yield from goal["fields"]
            for objective in goal["objectives"]:
                yield from objective["fields"]
                yield from objective["measure"]
            for intervention in goal["interventions"]:
                yield from intervention["fields"]


def _field_name(path: str) -> str:
    """problems.0.goals.1.objectives.2.target_date → p0-g1-o2-target_date."""
    parts = path.split(".")
    letters = {"problems": "p", "goals": "g", "objectives": "o", "interventions": "i"}
    out = []
    index = 0
    while index < len(parts) - 1 and parts[index] in letters:
        out.append(f"{letters[parts[index]]}{parts[index + 1]}")
        index += 2
    return "-".join([*out, *parts[index:]])


def _label_of(path: str) -> str:
    """A reader's name for a path: "Problem 1 › Goal 2 › Objective 1 › Target date"."""
    parts = path.split(".")
    names = {
        "problems": _("Problem"),
        "goals": _("Goal"),
        "objectives": _("Objective"),
        "interventions": _("Intervention"),
    }
    out = []
    index = 0
    while index < len(parts):
        part = parts[index]
        if part in names and index + 1 < len(parts) and parts[index + 1].isdigit():
            out.append(f"{names[part]} {int(parts[index + 1]) + 1}")
            index += 2
            continue
        out.append(str(LABELS.get(part, names.get(part, part))))
        index += 1
    return " › ".join(out)
