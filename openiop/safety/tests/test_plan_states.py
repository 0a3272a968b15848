"""`plan_states` (the chart panel's two-query read) says what `plan_state` says for every kind."""

from openiop.safety.models import PlanKind
from openiop.safety.selectors import current_plans, plan_state, plan_states, rendered
from openiop.safety.services import plan_create, plan_revise, safety_plan_review_request

from .factories import signed_plan


def _as_tuple(state):
    return (state.kind, state.current, state.draft, state.review, state.versions)


def test_every_kind_reads_the_same_in_one_batch_as_one_by_one(world, django_assert_num_queries):
    v1 = signed_plan(world.patient_a, world.alice)
    plan_revise(plan=v1, by=world.alice)
    safety_plan_review_request(world.patient_a.episodes.get(), "PHQ-9 item 9 answered 2", by=world.paul)
    plan_create(patient=world.patient_a, kind=PlanKind.RELAPSE_PREVENTION, by=world.alice)
    plan_create(patient=world.patient_b, kind=PlanKind.SAFETY, by=world.bob)
    for patient in (world.patient_a, world.patient_b, world.patient_c):
        one_by_one = [_as_tuple(plan_state(patient, kind)) for kind in PlanKind]
        with django_assert_num_queries(2):
            batch = [_as_tuple(state) for state in plan_states(patient)]
        assert batch == one_by_one
    assert [s.versions for s in plan_states(world.patient_a)] == [2, 1]
    assert plan_states(world.patient_a)[0].review is not None


def test_current_plans_are_the_signed_versions_with_their_signatures(world, django_assert_num_queries):
    relapse = signed_plan(world.patient_a, world.alice, kind=PlanKind.RELAPSE_PREVENTION)
    safety = signed_plan(world.patient_a, world.alice)
    plan_revise(plan=safety, by=world.alice)  # the open draft is not current; the signed version stays
    with django_assert_num_queries(3):
        shown = [rendered(plan) for plan in current_plans(world.patient_a)]
    assert [r.plan for r in shown] == [plan_state(world.patient_a, kind).current for kind in PlanKind]
    assert [r.plan for r in shown] == [safety, relapse]
    assert all(r.signatures for r in shown)
    assert current_plans(world.patient_b) == []
