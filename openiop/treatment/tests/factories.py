"""Plans for tests: a complete content, a draft, a plan signed by everyone."""

import datetime
from decimal import Decimal

from django.utils import timezone

from openiop.treatment import content as core
from openiop.treatment.models import PlanStatus, SignatureRole, TreatmentPlan
from openiop.treatment.selectors import plan_content
from openiop.treatment.services import plan_create, plan_draft_save, plan_sign, plan_submit


def episode_of(patient):
    return patient.episodes.get(status="active")


def target_day(episode, days: int = 120) -> datetime.date:
    return episode.admitted_on + datetime.timedelta(days=days)


def complete_content(world, episode=None, *, goal: str = "I want to get back to work without panicking."):
    episode = episode or episode_of(world.patient_a)
    return core.PlanContent(
        strengths="Supportive sister; motivated; reliable attendance.",
        discharge_criteria="PHQ-9 below 10 for two weeks; return-to-work plan in place.",
        review_interval_days=30,
        problems=(
            core.ProblemContent(
                icd10_code="F33.1",
                description="Major depressive disorder, recurrent, moderate",
                evidenced_by="Low mood most days, PHQ-9 of 17, missed work for 3 weeks.",
                goals=(
                    core.GoalContent(
                        text=goal,
                        objectives=(
                            core.ObjectiveContent(
                                text="Use one coping skill daily when anxious",
                                baseline="0 of 7 days",
                                target="5 of 7 days, logged",
                                target_date=target_day(episode, 60),
                            ),
                            core.ObjectiveContent(
                                text="Reduce depressive symptoms",
                                baseline="PHQ-9 17",
                                target="PHQ-9 below 10",
                                target_date=target_day(episode, 90),
                                measure_instrument="PHQ-9",
                                measure_comparator="lt",
                                measure_value=Decimal("10"),
                            ),
                        ),
                        interventions=(
                            core.InterventionContent(
                                modality="cbt",
                                frequency="3 groups a week",
                                responsible=str(world.alice.uuid),
                            ),
                            core.InterventionContent(
                                modality="medication_management",
                                frequency="Every 2 weeks",
                                responsible=str(world.paul.uuid),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    )


def draft_with_content(world, patient=None, *, by=None) -> TreatmentPlan:
    patient = patient or world.patient_a
    by = by or world.alice
    plan = plan_create(episode=episode_of(patient), by=by)
    return plan_draft_save(plan=plan, content=complete_content(world, episode_of(patient)), revision=1, by=by)


def sign_all(world, plan: TreatmentPlan, *, clinician=None, physician=None) -> TreatmentPlan:
    if plan.status == PlanStatus.DRAFT:
        plan = plan_submit(plan=plan, by=clinician or world.alice)
    patient = plan.episode.patient
    plan_sign(plan=plan, role=SignatureRole.CLINICIAN, by=clinician or world.alice, attested=True)
    plan_sign(
        plan=plan,
        role=SignatureRole.PATIENT,
        by=clinician or world.alice,
        signed_name=patient.legal_name,
        signed_on=timezone.localdate(),
        attested=True,
    )
    plan_sign(plan=plan, role=SignatureRole.PHYSICIAN, by=physician or world.paul, attested=True)
    plan.refresh_from_db()
    return plan


def active_plan_of(world) -> TreatmentPlan:
    return sign_all(world, draft_with_content(world))


__all__ = ["active_plan_of", "complete_content", "draft_with_content", "plan_content", "sign_all"]
