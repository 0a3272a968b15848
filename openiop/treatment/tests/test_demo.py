import pytest
from django.utils import timezone

from openiop.demo.builder import load_demo
from openiop.patients.models import EpisodeOfCare, EpisodeStatus
from openiop.treatment.demo import load_demo_treatment
from openiop.treatment.models import PlanReview, PlanStatus, ReviewStatus, TreatmentPlan
from openiop.treatment.selectors import plan_states

pytestmark = pytest.mark.django_db


def test_demo_plans_tell_the_stories_and_load_once(settings):
    today = timezone.localdate()
    created = load_demo(today=today).created["treatment plan versions"]  # load_demo_treatment inside
    assert created == TreatmentPlan.objects.count() > 0
    assert TreatmentPlan.objects.filter(status=PlanStatus.DRAFT).count() >= 1
    assert TreatmentPlan.objects.filter(status=PlanStatus.ACTIVE).count() >= 3
    assert PlanReview.objects.filter(status=ReviewStatus.COMPLETED).exists()
    states = plan_states(
        EpisodeOfCare.objects.filter(status=EpisodeStatus.ACTIVE).select_related("patient", "program"),
        today=today,
    )
    assert any(s.active and s.standing.overdue for s in states), "one review overdue"
    assert all(
        p.episode.patient.is_synthetic for p in TreatmentPlan.objects.select_related("episode__patient")
    )
    assert load_demo_treatment(today=today) == 0
