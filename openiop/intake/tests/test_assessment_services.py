"""The assessment service: the recommendation is computed here, overrides need a reason, the linked referral
moves to "assessed", and each assessment writes one audit event."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openiop.audit.models import Action, AuditEvent
from openiop.home.models import Task
from openiop.intake.models import LevelOfCareAssessment, ReferralSource, ReferralStatus
from openiop.intake.rubric_registry import get_rubric
from openiop.intake.services import (
    assessment_record,
    referral_create,
    referral_link_patient,
    referral_transition,
)
from openiop.treatment.models import PlanReview, ReviewReason

DIMENSIONS = [
    "risk_of_harm",
    "functional_status",
    "co_occurring_conditions",
    "recovery_environment_stress",
    "recovery_environment_support",
    "treatment_history",
    "engagement",
]
IOP_RATINGS = dict.fromkeys(DIMENSIONS, 2)  # composite 14: intensive outpatient, no override


def record(world, **overrides):
    values = {
        "patient": world.patient_a,
        "by": world.alice,
        "rubric": get_rubric("openiop-loc"),
        "ratings": IOP_RATINGS,
        "determined_level": "intensive_outpatient",
        "assessed_on": timezone.localdate(),
    }
    values.update(overrides)
    return assessment_record(**values)


def referral_of_patient_a(world, *, status: str):
    referral = referral_create(
        created_by=world.ivan,
        program=world.program_a,
        source=ReferralSource.PRIMARY_CARE,
        given_name="Avery",
        family_name="Synthetic",
        reason="Low mood",
    )
    referral = referral_link_patient(referral=referral, by=world.ivan, patient=world.patient_a)
    steps = [ReferralStatus.CONTACTED, ReferralStatus.ASSESSMENT_BOOKED, ReferralStatus.ASSESSED]
    for step in steps[: steps.index(status) + 1] if status != ReferralStatus.NEW else []:
        referral = referral_transition(
            referral=referral, to_status=step, by=world.ivan, assessment_at=timezone.now()
        )
    return referral


def test_the_recommendation_is_computed_from_the_ratings_and_stored_signed(world):
    assessment = record(world)
    assert assessment.recommended_level == "intensive_outpatient"
    assert assessment.rubric_id == "openiop-loc" and assessment.rubric_version == "1.0.0"
    assert assessment.ratings == IOP_RATINGS
    assert any("Composite score 14" in reason for reason in assessment.recommendation_reasons)
    assert assessment.signed_at is not None and assessment.assessed_by == world.alice
    assert not assessment.is_override and assessment.override_reason == ""


def test_an_override_rule_raises_the_recommendation_whatever_the_total(world):
    ratings = IOP_RATINGS | {"risk_of_harm": 5}
    assessment = record(world, ratings=ratings, determined_level="inpatient")
    assert assessment.recommended_level == "inpatient"


def test_overriding_the_recommendation_without_a_reason_is_refused_and_nothing_is_saved(world):
    for reason in ("", "   ", "too short"):
        with pytest.raises(ValidationError) as refused:
            record(world, determined_level="partial_hospitalization", override_reason=reason)
        assert "override_reason" in refused.value.message_dict
    assert not LevelOfCareAssessment.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE).exists()


def test_an_override_with_a_reason_is_stored_with_it(world):
    reason = "Lives alone two hours from the program; daily structure needed after discharge."
    assessment = record(world, determined_level="partial_hospitalization", override_reason=f"  {reason} ")
    assert assessment.is_override
    assert assessment.determined_level == "partial_hospitalization"
    assert assessment.recommended_level == "intensive_outpatient"
    assert assessment.override_reason == reason


def test_a_reason_given_when_agreeing_is_not_kept_as_an_override_reason(world):
    assessment = record(world, override_reason="I agree with the rubric entirely.")
    assert assessment.override_reason == ""


def test_a_level_outside_the_rubric_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        record(world, determined_level="detox")
    assert "determined_level" in refused.value.message_dict


def test_a_future_assessment_date_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        record(world, assessed_on=timezone.localdate() + datetime.timedelta(days=1))
    assert "assessed_on" in refused.value.message_dict


@pytest.mark.parametrize(
    "ratings",
    [
        {key: value for key, value in IOP_RATINGS.items() if key != "engagement"},
        IOP_RATINGS | {"engagement": 6},
        IOP_RATINGS | {"engagement": "2"},
        IOP_RATINGS | {"mood": 2},
    ],
    ids=["missing", "off-scale", "not-a-number", "unknown-dimension"],
)
def test_ratings_that_do_not_fit_the_rubric_are_refused(world, ratings):
    with pytest.raises(ValidationError) as refused:
        record(world, ratings=ratings)
    assert "ratings" in refused.value.message_dict
    assert not LevelOfCareAssessment.objects.exists()


def test_one_create_audit_event_names_the_patient_and_holds_no_clinical_content(world):
    assessment = record(world)
    events = AuditEvent.objects.filter(action=Action.CREATE, object_id=str(assessment.uuid))
    assert events.count() == 1
    event = events.get()
    assert event.patient == world.patient_a and event.actor == world.alice
    assert "intensive_outpatient" not in str(event.detail)


def test_without_a_referral_the_assessment_belongs_to_the_open_episode(world):
    assessment = record(world)
    assert assessment.episode == world.patient_a.episodes.get()
    assert assessment.referral is None


@pytest.mark.parametrize(
    "status", [ReferralStatus.ASSESSMENT_BOOKED, ReferralStatus.CONTACTED, ReferralStatus.NEW]
)
def test_a_linked_referral_moves_to_assessed(world, status):
    referral = referral_of_patient_a(world, status=status)
    assessment = record(world, referral=referral)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ASSESSED
    assert referral.events.last().note == "Level-of-care assessment recorded."
    assert assessment.referral == referral and assessment.episode == referral.episode


def test_a_re_assessment_leaves_an_assessed_referral_as_it_is(world):
    referral = referral_of_patient_a(world, status=ReferralStatus.ASSESSED)
    events = referral.events.count()
    record(world, referral=referral)
    record(world, referral=referral, ratings=IOP_RATINGS | {"engagement": 3})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ASSESSED and referral.events.count() == events
    assert referral.assessments.count() == 2


def test_a_referral_of_another_patient_is_refused(world):
    referral = referral_of_patient_a(world, status=ReferralStatus.CONTACTED)
    with pytest.raises(ValidationError) as refused:
        record(world, patient=world.patient_b, referral=referral)
    assert "referral" in refused.value.message_dict
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CONTACTED


def test_a_closed_referral_is_refused(world):
    referral = referral_of_patient_a(world, status=ReferralStatus.NEW)
    referral = referral_transition(
        referral=referral, to_status=ReferralStatus.DECLINED, by=world.ivan, note="No"
    )
    with pytest.raises(ValidationError) as refused:
        record(world, referral=referral)
    assert "referral" in refused.value.message_dict


def test_someone_in_iop_assessed_as_needing_more_gets_a_plan_review_on_the_clinicians_list(world):
    episode = world.patient_a.episodes.get(status="active")
    record(
        world,
        determined_level="partial_hospitalization",
        override_reason="Daily panic attacks, cannot manage at home between sessions.",
    )
    review = PlanReview.objects.get(episode=episode, reason=ReviewReason.STEP_UP)
    assert "Partial hospitalization" in review.detail
    assert Task.objects.filter(assigned_to=world.alice, patient=world.patient_a).exists()
    # An assessment that keeps the person in IOP raises nothing.
    record(world)
    assert PlanReview.objects.filter(episode=episode).count() == 1
