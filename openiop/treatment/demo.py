"""Demo treatment plans for the synthetic patients of the demo programs.

`load_demo_treatment(today=...)` gives every admitted demo patient a plan written through the treatment
services (so audit events and signatures are what the program itself would produce), then moves the
signing and review dates back to match each person's stay. The stories: most plans active, those older
than a month reviewed once; the main clinician's newest admission still has a draft; one plan's review is
overdue; people admitted in the last three days have no plan yet (plan due). Loaded once: when any demo
patient already has a plan, nothing runs again. Deterministic: patients in record-number order, no
randomness.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from openiop.patients.models import CareTeamMember, CareTeamRole, EpisodeOfCare, EpisodeStatus

from . import content as core
from .models import Objective, PlanReview, PlanSignature, TreatmentPlan
from .services import plan_create, plan_draft_save, plan_review_record, plan_sign, plan_submit

MAIN_CLINICIAN = "clinician"
NO_PLAN_YET_DAYS = 3  # admitted this recently: the plan is still due
DAY = datetime.timedelta(days=1)

# Plan templates written for this project: (problem, ICD-10-CM, evidence, goal in the patient's words,
# objectives (text, baseline, target, days after admission, measure), interventions (modality, frequency,
# who: "primary" or "psychiatrist")).
TEMPLATES = [
    (
        "Major depressive disorder, recurrent, moderate",
        "F33.1",
        "Low mood most days for 3 months; stopped seeing friends; PHQ-9 of 17 at admission.",
        "I want to feel like myself again and get back to my job.",
        [
            (
                "Complete a daily activity schedule with one pleasant activity",
                "0 of 7 days",
                "5 of 7 days",
                45,
                None,
            ),
            ("Reduce depressive symptoms", "PHQ-9 17", "PHQ-9 below 10", 90, ("PHQ-9", "lt", "10")),
        ],
        [("cbt", "3 groups a week", "primary"), ("medication_management", "Every 2 weeks", "psychiatrist")],
    ),
    (
        "Generalized anxiety disorder",
        "F41.1",
        "Constant worry, poor sleep, missed classes; GAD-7 of 15.",
        "I want to stop panicking before work and sleep through the night.",
        [
            ("Use a grounding skill when worry starts", "Rarely", "Most days, logged", 45, None),
            ("Reduce anxiety symptoms", "GAD-7 15", "GAD-7 below 8", 90, ("GAD-7", "lt", "8")),
        ],
        [("dbt_skills", "2 skills groups a week", "primary"), ("psychoeducation", "Weekly", "primary")],
    ),
    (
        "Alcohol use disorder, moderate",
        "F10.20",
        "Daily drinking for a year; two failed attempts to cut down; family conflict.",
        "I want to stay sober and be there for my kids.",
        [
            (
                "Attend every scheduled group and a weekly mutual-help meeting",
                "1 meeting a month",
                "Weekly",
                60,
                None,
            ),
            ("Write and practise a relapse-prevention plan", "No plan", "Plan written and shared", 30, None),
        ],
        [
            ("relapse_prevention", "2 groups a week", "primary"),
            ("motivational_interviewing", "Weekly", "primary"),
        ],
    ),
    (
        "Post-traumatic stress disorder, chronic",
        "F43.12",
        "Nightmares, avoidance of driving since an accident; PCL-5 of 48.",
        "I want to drive my own car again without shaking.",
        [
            (
                "Practise a coping skill before each drive",
                "Avoids driving",
                "3 short drives a week",
                60,
                None,
            ),
            ("Reduce trauma symptoms", "PCL-5 48", "PCL-5 below 33", 90, ("PCL-5", "lt", "33")),
        ],
        [("act", "Weekly individual session", "primary"), ("family_therapy", "Every 2 weeks", "primary")],
    ),
]


def _team(episode) -> dict[str, object]:
    return {
        member.role: member.user
        for member in CareTeamMember.objects.filter(episode=episode).select_related("user__staff_profile")
    }


def _content(episode, template, team) -> core.PlanContent:
    problem, code, evidence, goal, objectives, interventions = template
    people = {
        "primary": team[CareTeamRole.PRIMARY_CLINICIAN],
        "psychiatrist": team.get(CareTeamRole.PSYCHIATRIST),
    }
    return core.PlanContent(
        strengths="Comes to every group; a supportive friend; wants to change.",
        discharge_criteria="Objectives met or clearly progressing; aftercare appointment booked.",
        problems=(
            core.ProblemContent(
                description=problem,
                icd10_code=code,
                evidenced_by=evidence,
                goals=(
                    core.GoalContent(
                        text=goal,
                        objectives=tuple(
                            core.ObjectiveContent(
                                text=text,
                                baseline=baseline,
                                target=target,
                                target_date=episode.admitted_on + datetime.timedelta(days=days),
                                measure_instrument=measure[0] if measure else "",
                                measure_comparator=measure[1] if measure else "",
                                measure_value=Decimal(measure[2]) if measure else None,
                            )
                            for text, baseline, target, days, measure in objectives
                        ),
                        interventions=tuple(
                            core.InterventionContent(
                                modality=modality,
                                frequency=frequency,
                                responsible=str((people[who] or people["primary"]).uuid),
                            )
                            for modality, frequency, who in interventions
                        ),
                    ),
                ),
            ),
        ),
    )


def _backdate(plan: TreatmentPlan, signed_on: datetime.date) -> None:
    """Move a plan's signing to `signed_on` (services stamp the moment of loading)."""
    moment = datetime.datetime.combine(signed_on, datetime.time(15), tzinfo=datetime.UTC)
    TreatmentPlan.objects.filter(pk=plan.pk).update(submitted_at=moment, activated_at=moment)
    PlanSignature.objects.filter(plan=plan).update(signed_at=moment, signed_on=signed_on)


@transaction.atomic
def load_demo_treatment(*, today: datetime.date) -> int:
    """Give the demo's admitted synthetic patients their plans. Returns how many versions it created."""
    episodes = list(
        EpisodeOfCare.objects.filter(
            status=EpisodeStatus.ACTIVE, patient__is_synthetic=True, admitted_on__isnull=False
        )
        .select_related("patient", "program")
        .order_by("patient__record_number")
    )
    if TreatmentPlan.objects.filter(episode__in=episodes).exists():
        return 0
    created = 0
    overdue_given = draft_given = False
    main_newest = max(
        (e for e in episodes if _is_main(e)),
        key=lambda e: (e.admitted_on, e.patient.record_number),
        default=None,
    )
    for index, episode in enumerate(episodes):
        age = (today - episode.admitted_on).days
        team = _team(episode)
        primary = team.get(CareTeamRole.PRIMARY_CLINICIAN)
        if age < NO_PLAN_YET_DAYS or primary is None:
            continue
        plan = plan_create(episode=episode, by=primary)
        plan = plan_draft_save(
            plan=plan,
            content=_content(episode, TEMPLATES[index % len(TEMPLATES)], team),
            revision=plan.revision,
            by=primary,
        )
        created += 1
        psychiatrist = team.get(CareTeamRole.PSYCHIATRIST)
        if (episode == main_newest and not draft_given) or psychiatrist is None:
            draft_given = True
            continue  # still a draft: the plan is due, or overdue, on the clinician's day
        plan = plan_submit(plan=plan, by=primary)
        plan_sign(plan=plan, role="clinician", by=primary, attested=True)
        plan_sign(
            plan=plan,
            role="patient",
            by=primary,
            signed_name=episode.patient.legal_name,
            # The service stamped the submission with the clock's moment, and a signature may not precede
            # it; _backdate below moves both to the demo's day. With `today` here, a demo loaded for an
            # earlier day (the tests' fixed date) was refused once the clock had passed that day.
            signed_on=timezone.localdate(plan.submitted_at),
            attested=True,
        )
        plan_sign(plan=plan, role="physician", by=psychiatrist, attested=True)
        signed_on = min(episode.admitted_on + datetime.timedelta(days=5), today - DAY)
        _backdate(plan, signed_on)
        plan.refresh_from_db()
        days_active = (today - signed_on).days
        if days_active > plan.review_interval_days and not overdue_given:
            overdue_given = True  # never reviewed: the review is overdue
            continue
        if days_active >= 28:
            _review(plan, by=primary, on=signed_on + datetime.timedelta(days=28))
    return created


def _review(plan: TreatmentPlan, *, by, on: datetime.date) -> None:
    objectives = Objective.objects.filter(goal__problem__plan=plan).order_by("position", "id")
    progress = {
        str(o.uuid): ("progressing" if i == 0 else "no_change", "Discussed in session; logs reviewed.")
        for i, o in enumerate(objectives)
    }
    review = plan_review_record(
        plan=plan,
        by=by,
        reviewed_on=on,
        progress=progress,
        summary="Attending well; mood a little better. Plan continues unchanged.",
        outcome="continue",
    )
    PlanReview.objects.filter(pk=review.pk).update(due_on=on)  # a cadence review falls due the day it is done


def _is_main(episode) -> bool:
    return CareTeamMember.objects.filter(
        episode=episode, role=CareTeamRole.PRIMARY_CLINICIAN, user__username=MAIN_CLINICIAN
    ).exists()
