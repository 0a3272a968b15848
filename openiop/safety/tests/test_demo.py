"""The demo's plans: most active patients have a signed safety plan, one a draft, one a review request;
co-occurring patients a relapse-prevention plan; a second load adds nothing."""

import pytest
from django.utils import timezone

from openiop.demo.builder import load_demo
from openiop.patients.models import EpisodeOfCare, EpisodeStatus, Patient
from openiop.programs.models import Focus
from openiop.safety.demo import load_demo_safety
from openiop.safety.models import Plan, PlanKind, PlanStatus, ReviewRequest
from openiop.safety.pdf import render_pocket_pdf
from openiop.safety.selectors import rendered


@pytest.fixture
def demo(db, settings):
    settings.OPENIOP_PLANNING_TIME_LIMIT = 1
    return load_demo()


def test_the_demo_plans_are_realistic_complete_and_loaded_once(demo):
    today = timezone.localdate()
    created = demo.created["safety and relapse-prevention plan versions"]  # load_demo_safety inside
    active = EpisodeOfCare.objects.filter(status=EpisodeStatus.ACTIVE, patient__is_synthetic=True)
    safety = Plan.objects.filter(kind=PlanKind.SAFETY)
    assert created == Plan.objects.count() > 0
    assert safety.filter(status=PlanStatus.DRAFT).count() == 1
    assert safety.filter(status=PlanStatus.SIGNED).count() > active.count() / 2
    assert all(plan.signatures.count() == 2 for plan in Plan.objects.filter(status=PlanStatus.SIGNED))
    relapse_programs = set(
        Plan.objects.filter(kind=PlanKind.RELAPSE_PREVENTION).values_list(
            "episode__program__focus", flat=True
        )
    )
    assert relapse_programs == {Focus.CO_OCCURRING}
    # The safety demo's own review request (the questionnaires' urgent alert asks for another).
    review = ReviewRequest.objects.get(reason__endswith="review the safety plan today")
    assert review.task is not None and review.resolved_at is None
    assert not Patient.objects.filter(safety_plans__isnull=False, is_synthetic=False).exists()
    # Every demo plan prints on one pocket page.
    for plan in Plan.objects.filter(status=PlanStatus.SIGNED)[:4]:
        _, pages = render_pocket_pdf(
            "safety/plan_pdf.html", {"shown": rendered(plan), "patient": plan.patient}
        )
        assert pages == 1
    assert load_demo_safety(today=today) == 0
