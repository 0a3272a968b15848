"""The pure cores: plan content (checks, hashing, dicts) and the diff between versions."""

import datetime
from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from openiop.treatment import content as core
from openiop.treatment.diff import ADDED, CHANGED, ITEM_FIELDS, MOVED, REMOVED, diff_plans
from openiop.treatment.schedule import next_review_on, standing

ADMITTED = datetime.date(2026, 9, 8)
text = st.text(alphabet="abc xyz", min_size=1, max_size=12)
keys = st.sampled_from([f"k{i}" for i in range(6)])


def unique_by_key(items):
    return st.lists(items, max_size=3, unique_by=lambda item: item.key).map(tuple)


objectives = st.builds(
    core.ObjectiveContent,
    key=keys,
    text=text,
    target=text,
    target_date=st.dates(ADMITTED, ADMITTED + datetime.timedelta(days=300)),
    baseline=text,
)
interventions = st.builds(
    core.InterventionContent,
    key=keys,
    modality=st.sampled_from(core.MODALITIES),
    frequency=text,
    responsible=st.sampled_from(["u1", "u2"]),
)
goals = st.builds(
    core.GoalContent,
    key=keys,
    text=text,
    objectives=unique_by_key(objectives),
    interventions=unique_by_key(interventions),
)
problems = st.builds(
    core.ProblemContent,
    key=keys,
    description=text,
    icd10_code=st.sampled_from(["", "F33.1", "F10.20"]),
    goals=unique_by_key(goals),
)
plans = st.builds(
    core.PlanContent,
    problems=unique_by_key(problems),
    strengths=text,
    review_interval_days=st.integers(7, 90),
)


@given(plans)
@settings(max_examples=60, deadline=None)
def test_the_diff_of_identical_plans_is_empty(plan):
    assert diff_plans(plan, plan) == []


@given(plans, plans)
@settings(max_examples=80, deadline=None)
def test_the_diff_is_empty_exactly_when_the_plans_are_equal(a, b):
    assert (diff_plans(a, b) == []) == (a == b)


@given(plans, plans)
@settings(max_examples=80, deadline=None)
def test_what_one_direction_adds_the_other_removes(a, b):
    forward, backward = diff_plans(a, b), diff_plans(b, a)
    assert sum(c.kind == ADDED for c in forward) == sum(c.kind == REMOVED for c in backward)
    assert sum(c.kind == CHANGED for c in forward) == sum(c.kind == CHANGED for c in backward)
    assert sum(c.kind == MOVED for c in forward) == sum(c.kind == MOVED for c in backward)


@given(plans)
@settings(max_examples=60, deadline=None)
def test_content_survives_plain_dicts_and_hashes_the_same(plan):
    again = core.from_dict(core.to_dict(plan))
    assert again == plan
    assert core.content_hash(again) == core.content_hash(plan)


def test_names_of_responsible_staff_are_for_reading_only():
    intervention = core.InterventionContent(modality="cbt", frequency="weekly", responsible="u1", key="i")
    plan = core.PlanContent(
        problems=(
            core.ProblemContent(
                "p", key="p", goals=(core.GoalContent("g", key="g", interventions=(intervention,)),)
            ),
        )
    )
    named = core.from_dict(core.to_dict(plan))
    named_goal = replace(
        named.problems[0].goals[0], interventions=(replace(intervention, responsible_name="Alice"),)
    )
    named = replace(named, problems=(replace(named.problems[0], goals=(named_goal,)),))
    assert diff_plans(plan, named) == []
    assert core.content_hash(plan) == core.content_hash(named)


def test_a_changed_target_reads_as_one_change_with_before_and_after():
    objective = core.ObjectiveContent("Sleep 7 h", "5 nights", ADMITTED, key="o")
    goal = core.GoalContent("I want to sleep", objectives=(objective,), key="g")
    old = core.PlanContent(problems=(core.ProblemContent("Insomnia", goals=(goal,), key="p"),))
    new_goal = replace(goal, objectives=(replace(objective, target="6 nights"),))
    new = replace(old, problems=(replace(old.problems[0], goals=(new_goal,)),))
    [change] = diff_plans(old, new)
    assert (change.kind, change.item, change.where, change.field) == (
        CHANGED,
        "objective",
        ("Problem 1", "Goal 1", "Objective 1"),
        "target",
    )
    assert (change.before, change.after) == ("5 nights", "6 nights")


def test_an_added_problem_lists_its_goals_too():
    goal = core.GoalContent("I want friends", key="g")
    new = core.PlanContent(problems=(core.ProblemContent("Isolation", goals=(goal,), key="p"),))
    assert [(c.kind, c.item) for c in diff_plans(core.PlanContent(), new)] == [
        (ADDED, "problem"),
        (ADDED, "goal"),
    ]


def test_every_compared_field_exists():
    for kind, cls in (
        ("problem", core.ProblemContent),
        ("goal", core.GoalContent),
        ("objective", core.ObjectiveContent),
        ("intervention", core.InterventionContent),
    ):
        assert set(ITEM_FIELDS[kind]) <= set(cls.__dataclass_fields__)


def test_icd10_cm_format():
    assert core.normalize_icd10(" f331 ") == "F33.1"
    assert core.normalize_icd10("F10.20") == "F10.20"
    for good in ("F33.1", "F10.20", "Z3A.01", "S06.0X1A", "F41"):
        assert core.is_icd10_cm(good), good
    for bad in ("33.1", "F3", "F33.12345", "FF3.1", "F33.", "F33-1"):
        assert not core.is_icd10_cm(bad), bad


def test_checks_for_signatures_need_the_whole_tree():
    empty_goal = core.PlanContent(
        problems=(core.ProblemContent("Low mood", goals=(core.GoalContent("Feel better"),)),)
    )
    assert core.check(empty_goal) == []
    paths = {issue.dotted for issue in core.check(empty_goal, for_signatures=True)}
    assert paths == {"problems.0.goals.0.objectives", "problems.0.goals.0.interventions"}


def test_target_dates_stay_within_the_stay():
    def plan_with(day):
        objective = core.ObjectiveContent("x", "y", day)
        return core.PlanContent(
            problems=(core.ProblemContent("p", goals=(core.GoalContent("g", objectives=(objective,)),)),)
        )

    assert core.check(plan_with(ADMITTED - datetime.timedelta(days=1)), admitted_on=ADMITTED)
    assert core.check(plan_with(ADMITTED + datetime.timedelta(days=400)), admitted_on=ADMITTED)
    assert not core.check(plan_with(ADMITTED + datetime.timedelta(days=30)), admitted_on=ADMITTED)


def test_scores_have_at_most_one_decimal_and_hash_alike():
    def plan_with(value):
        objective = core.ObjectiveContent(
            "x",
            "y",
            ADMITTED,
            measure_instrument="PHQ-9",
            measure_comparator="lt",
            measure_value=value,
            key="o",
        )
        return core.PlanContent(
            problems=(
                core.ProblemContent(
                    "p", goals=(core.GoalContent("g", objectives=(objective,), key="g"),), key="p"
                ),
            )
        )

    assert core.check(plan_with(Decimal("9.55")))
    assert core.content_hash(plan_with(Decimal("10"))) == core.content_hash(plan_with(Decimal("10.0")))


@given(st.dates(), st.one_of(st.none(), st.dates()), st.integers(7, 90))
def test_the_next_review_is_an_interval_after_the_later_of_activation_and_last_review(activated, last, days):
    due = next_review_on(activated_on=activated, last_review_on=last, interval_days=days)
    assert due - datetime.timedelta(days=days) == max(activated, last or activated)


def test_a_plan_is_due_days_after_admission_and_overdue_after():
    today = ADMITTED + datetime.timedelta(days=8)
    s = standing(today=today, admitted_on=ADMITTED, plan_due_days=7)
    assert (s.plan, s.due, s.due_on, s.overdue) == (
        "no_plan",
        "plan",
        ADMITTED + datetime.timedelta(days=7),
        True,
    )
    s = standing(today=today, admitted_on=ADMITTED, plan_due_days=7, activated_on=ADMITTED, interval_days=30)
    assert (s.plan, s.due, s.overdue, s.soon) == ("active", "review", False, False)
    s = standing(
        today=today,
        admitted_on=ADMITTED,
        plan_due_days=7,
        activated_on=ADMITTED,
        triggered_due_on=today + datetime.timedelta(days=1),
    )
    assert (s.due_on, s.soon) == (today + datetime.timedelta(days=1), True)
