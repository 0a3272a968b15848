"""A treatment plan's content as plain data: the tree the editor, the API, the diff and signatures share.

Framework-free (no Django): dataclasses in, dataclasses out. `check` says what is wrong with a content
for saving a draft (each item complete and well-formed) and, with `for_signatures=True`, for sending it to
be signed (every problem has a goal, every goal an objective and an intervention). `content_hash` is what a
signature attests to: the same content always hashes the same.
"""

import datetime
import hashlib
import json
import re
import uuid
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal, InvalidOperation

# The modalities of issue 5; models.Modality holds their labels (a test keeps the two in step).
MODALITIES = (
    "cbt",
    "dbt_skills",
    "motivational_interviewing",
    "act",
    "family_therapy",
    "psychoeducation",
    "relapse_prevention",
    "medication_management",
)
COMPARATORS = ("lt", "lte", "gte", "gt")

MAX_PROBLEMS = 12
MAX_GOALS = 6  # per problem
MAX_OBJECTIVES = 8  # per goal
MAX_INTERVENTIONS = 8  # per goal
# An objective is for this stay: due within a year of admission, never before it.
TARGET_HORIZON_DAYS = 365

# ICD-10-CM: a letter, a digit, a digit or letter (C4A, M1A, Z3A), then optionally a dot and up to four
# characters (F33.1, F10.20, S06.0X1A). Format only: whether the code exists is the coder's job.
ICD10_CM = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
# Instrument codes as measures name them: PHQ-9, GAD-7, PCL-5, AUDIT-C, WHO-5, BAM.
INSTRUMENT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")

MAX_LENGTHS = {
    "icd10_code": 8,
    "description": 300,
    "baseline": 200,
    "target": 200,
    "frequency": 120,
    "measure_instrument": 20,
}


@dataclass(frozen=True)
class ObjectiveContent:
    text: str
    target: str
    target_date: datetime.date | None
    baseline: str = ""
    measure_instrument: str = ""
    measure_comparator: str = ""
    measure_value: Decimal | None = None
    key: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class InterventionContent:
    modality: str
    frequency: str
    responsible: str  # the staff member's uuid
    description: str = ""
    responsible_name: str = ""  # for reading only; not compared
    key: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class GoalContent:
    text: str
    objectives: tuple[ObjectiveContent, ...] = ()
    interventions: tuple[InterventionContent, ...] = ()
    key: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class ProblemContent:
    description: str
    icd10_code: str = ""
    evidenced_by: str = ""
    goals: tuple[GoalContent, ...] = ()
    key: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class PlanContent:
    problems: tuple[ProblemContent, ...] = ()
    strengths: str = ""
    discharge_criteria: str = ""
    review_interval_days: int = 30


@dataclass(frozen=True)
class Issue:
    """One thing wrong, at a path such as ("problems", 0, "goals", 1, "objectives", 0, "target_date")."""

    path: tuple[str | int, ...]
    message: str

    @property
    def dotted(self) -> str:
        return ".".join(str(part) for part in self.path)


def normalize_icd10(code: str) -> str:
    """Upper-case, trim, and put the dot after the third character when it was left out (F331 → F33.1)."""
    code = code.strip().upper().replace(" ", "")
    if len(code) > 3 and "." not in code:
        code = f"{code[:3]}.{code[3:]}"
    return code


def is_icd10_cm(code: str) -> bool:
    return bool(ICD10_CM.match(code))


def check(
    content: PlanContent,
    *,
    admitted_on: datetime.date | None = None,
    for_signatures: bool = False,
    interval_range: tuple[int, int] = (7, 90),
) -> list[Issue]:
    """What is wrong with `content`: empty when it may be saved (or, `for_signatures`, signed)."""
    issues: list[Issue] = []

    def need(path, value, message):
        if not str(value or "").strip():
            issues.append(Issue(path, message))

    low, high = interval_range
    if not low <= content.review_interval_days <= high:
        issues.append(Issue(("review_interval_days",), f"Review the plan every {low} to {high} days."))
    if len(content.problems) > MAX_PROBLEMS:
        issues.append(Issue(("problems",), f"A plan holds at most {MAX_PROBLEMS} problems."))
    if for_signatures and not content.problems:
        issues.append(
            Issue(("problems",), "Add at least one problem before sending the plan for signatures.")
        )
    for p, problem in enumerate(content.problems):
        at = ("problems", p)
        need((*at, "description"), problem.description, "Describe the problem.")
        if problem.icd10_code and not is_icd10_cm(problem.icd10_code):
            issues.append(
                Issue(
                    (*at, "icd10_code"),
                    "Enter an ICD-10-CM code such as F33.1 or F10.20 (letter, two characters, "
                    "then a dot and up to four), or leave it empty.",
                )
            )
        issues += _lengths(at, problem, ("icd10_code", "description"))
        if len(problem.goals) > MAX_GOALS:
            issues.append(Issue((*at, "goals"), f"A problem holds at most {MAX_GOALS} goals."))
        if for_signatures and not problem.goals:
            issues.append(Issue((*at, "goals"), "Add a goal, in the patient's own words, to this problem."))
        for g, goal in enumerate(problem.goals):
            issues += _check_goal((*at, "goals", g), goal, admitted_on, for_signatures, need)
    return issues


def _check_goal(at, goal: GoalContent, admitted_on, for_signatures, need) -> list[Issue]:
    issues: list[Issue] = []
    need((*at, "text"), goal.text, "Write the goal in the patient's own words.")
    if len(goal.objectives) > MAX_OBJECTIVES:
        issues.append(Issue((*at, "objectives"), f"A goal holds at most {MAX_OBJECTIVES} objectives."))
    if len(goal.interventions) > MAX_INTERVENTIONS:
        issues.append(
            Issue((*at, "interventions"), f"A goal holds at most {MAX_INTERVENTIONS} interventions.")
        )
    if for_signatures and not goal.objectives:
        issues.append(Issue((*at, "objectives"), "Add a measurable objective to this goal."))
    if for_signatures and not goal.interventions:
        issues.append(Issue((*at, "interventions"), "Add an intervention to this goal."))
    for o, objective in enumerate(goal.objectives):
        where = (*at, "objectives", o)
        need((*where, "text"), objective.text, "Describe the objective.")
        need((*where, "target"), objective.target, "Say what will show the objective is met.")
        issues += _lengths(where, objective, ("baseline", "target", "measure_instrument"))
        if objective.target_date is None:
            issues.append(Issue((*where, "target_date"), "Give a target date."))
        elif admitted_on is not None and objective.target_date < admitted_on:
            issues.append(Issue((*where, "target_date"), "The target date cannot be before admission."))
        elif admitted_on is not None and objective.target_date > admitted_on + datetime.timedelta(
            days=TARGET_HORIZON_DAYS
        ):
            issues.append(
                Issue((*where, "target_date"), "The target date must be within a year of admission.")
            )
        issues += _check_measure(where, objective)
    for i, intervention in enumerate(goal.interventions):
        where = (*at, "interventions", i)
        if intervention.modality not in MODALITIES:
            issues.append(Issue((*where, "modality"), "Choose a modality."))
        need((*where, "frequency"), intervention.frequency, "Say how often, e.g. 3 groups a week.")
        need((*where, "responsible"), intervention.responsible, "Choose who is responsible.")
        issues += _lengths(where, intervention, ("frequency",))
    return issues


def _check_measure(where, objective: ObjectiveContent) -> list[Issue]:
    parts = (objective.measure_instrument, objective.measure_comparator, objective.measure_value)
    if not any(part not in ("", None) for part in parts):
        return []
    issues = []
    if not INSTRUMENT_CODE.match(objective.measure_instrument or ""):
        issues.append(Issue((*where, "measure_instrument"), "Name the measure by its code, e.g. PHQ-9."))
    if objective.measure_comparator not in COMPARATORS:
        issues.append(Issue((*where, "measure_comparator"), "Choose below, at most, at least or above."))
    value = objective.measure_value
    if value is None:
        issues.append(Issue((*where, "measure_value"), "Give the score the measure should reach."))
    elif value < 0 or value > Decimal("9999"):
        issues.append(Issue((*where, "measure_value"), "The score must be between 0 and 9999."))
    elif value != value.quantize(Decimal("0.1")):
        issues.append(Issue((*where, "measure_value"), "Use at most one decimal place."))
    return issues


def _lengths(at, item, names) -> list[Issue]:
    return [
        Issue((*at, name), f"At most {MAX_LENGTHS[name]} characters.")
        for name in names
        if len(getattr(item, name) or "") > MAX_LENGTHS[name]
    ]


# --- plain dicts (JSON) --------------------------------------------------------------------------------------


def to_dict(content: PlanContent) -> dict:
    """JSON-ready: dates as ISO strings, decimals as strings."""

    def plain(value):
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return f"{value:.1f}"  # one decimal place, as stored: 10 and 10.0 are the same score
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value

    return plain(asdict(content))


def from_dict(data: dict) -> PlanContent:
    """The inverse of `to_dict`. Raises ValueError on a malformed date or number."""

    def objective(o):
        value = o.get("measure_value")
        return ObjectiveContent(
            key=o["key"],
            text=o.get("text", ""),
            baseline=o.get("baseline", ""),
            target=o.get("target", ""),
            target_date=datetime.date.fromisoformat(o["target_date"]) if o.get("target_date") else None,
            measure_instrument=o.get("measure_instrument", ""),
            measure_comparator=o.get("measure_comparator", ""),
            measure_value=_decimal(value),
        )

    def intervention(i):
        return InterventionContent(
            key=i["key"],
            modality=i.get("modality", ""),
            description=i.get("description", ""),
            frequency=i.get("frequency", ""),
            responsible=i.get("responsible", ""),
            responsible_name=i.get("responsible_name", ""),
        )

    def goal(g):
        return GoalContent(
            key=g["key"],
            text=g.get("text", ""),
            objectives=tuple(objective(o) for o in g.get("objectives", ())),
            interventions=tuple(intervention(i) for i in g.get("interventions", ())),
        )

    def problem(p):
        return ProblemContent(
            key=p["key"],
            icd10_code=p.get("icd10_code", ""),
            description=p.get("description", ""),
            evidenced_by=p.get("evidenced_by", ""),
            goals=tuple(goal(g) for g in p.get("goals", ())),
        )

    return PlanContent(
        problems=tuple(problem(p) for p in data.get("problems", ())),
        strengths=data.get("strengths", ""),
        discharge_criteria=data.get("discharge_criteria", ""),
        review_interval_days=int(data.get("review_interval_days", 30)),
    )


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def comparable(content: PlanContent) -> PlanContent:
    """The content without what is only for reading (names of responsible staff)."""
    return replace(
        content,
        problems=tuple(
            replace(
                problem,
                goals=tuple(
                    replace(
                        goal,
                        interventions=tuple(replace(i, responsible_name="") for i in goal.interventions),
                    )
                    for goal in problem.goals
                ),
            )
            for problem in content.problems
        ),
    )


def content_hash(content: PlanContent) -> str:
    """SHA-256 of the content in a canonical JSON form: what a signature attests to."""
    canonical = json.dumps(to_dict(comparable(content)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def objective_count(content: PlanContent) -> int:
    return sum(len(goal.objectives) for problem in content.problems for goal in problem.goals)
