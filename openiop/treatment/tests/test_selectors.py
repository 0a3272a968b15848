"""awaiting_signature_of: the versions a user signs, read in a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from openiop.accounts.models import User
from openiop.patients.models import CareTeamMember, CareTeamRole
from openiop.treatment.models import SignatureRole
from openiop.treatment.selectors import awaiting_signature_of
from openiop.treatment.services import plan_sign, plan_submit

from .factories import draft_with_content, episode_of


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)  # nothing cached on the object (staff profile)


def _awaiting(user) -> tuple[list, int]:
    user = _fresh(user)
    with CaptureQueriesContext(connection) as queries:
        plans = awaiting_signature_of(user)
    return plans, len(queries)


def test_each_signer_sees_the_version_until_they_have_signed(world):
    plan = plan_submit(plan=draft_with_content(world), by=world.alice)
    assert awaiting_signature_of(world.alice) == [plan]
    assert awaiting_signature_of(world.paul) == [plan]
    assert awaiting_signature_of(world.bob) == []  # not on the care team
    plan_sign(plan=plan, role=SignatureRole.CLINICIAN, by=world.alice, attested=True)
    assert awaiting_signature_of(world.alice) == []
    assert awaiting_signature_of(world.paul) == [plan]


def test_a_user_with_nothing_to_sign_costs_one_query(world):
    plans, queries = _awaiting(world.alice)
    assert plans == []
    assert queries == 1  # the plans; the credentials are not read when nothing awaits


def test_the_query_count_does_not_grow_with_the_plans(world):
    plan_a = plan_submit(plan=draft_with_content(world), by=world.alice)
    plans, one = _awaiting(world.paul)
    assert plans == [plan_a]
    CareTeamMember.objects.create(
        episode=episode_of(world.patient_b), user=world.paul, role=CareTeamRole.PSYCHIATRIST
    )
    plan_b = plan_submit(plan=draft_with_content(world, world.patient_b, by=world.bob), by=world.bob)
    plans, two = _awaiting(world.paul)
    assert {p.pk for p in plans} == {plan_a.pk, plan_b.pk}
    assert two == one
