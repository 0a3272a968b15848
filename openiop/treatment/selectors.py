"""Reads of treatment plans. Other apps use `active_plan` and `active_objectives` (notes link entries to
objectives of the active plan); pages load plans through `plan_for_user` / `episode_for_user`, which check
the rules with the patient and write the audit event once."""

import datetime
from dataclasses import dataclass

from django.db.models import Max, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import refuse
from openiop.patients.models import CareTeamMember, EpisodeOfCare, EpisodeStatus
from openiop.patients.selectors import BreakGlassRequired, open_break_glass

from . import content as core
from . import schedule
from .models import (
    DEFAULT_REVIEW_INTERVAL_DAYS,
    REQUIRED_SIGNATURES,
    Goal,
    Objective,
    PlanReview,
    PlanSignature,
    PlanStatus,
    Problem,
    ProgramPlanSettings,
    ReviewStatus,
    SignatureRole,
    TreatmentPlan,
)


def active_plan(episode) -> TreatmentPlan | None:
    """The episode's active (fully signed) plan version, or None."""
    return (
        TreatmentPlan.objects.filter(episode=episode, status=PlanStatus.ACTIVE)
        .select_related("responsible_clinician")
        .first()
    )


def active_objectives(episode) -> QuerySet[Objective]:
    """Objectives of the episode's active plan, in plan order (problem, goal, objective); empty if none."""
    return (
        Objective.objects.filter(
            goal__problem__plan__episode=episode, goal__problem__plan__status=PlanStatus.ACTIVE
        )
        .select_related("goal__problem")
        .order_by(
            "goal__problem__position", "goal__problem__id", "goal__position", "goal__id", "position", "id"
        )
    )


def review_interval_for(program) -> int:
    settings = ProgramPlanSettings.objects.filter(program=program).first()
    return settings.review_interval_days if settings else DEFAULT_REVIEW_INTERVAL_DAYS


# --- one plan ------------------------------------------------------------------------------------------------


def plan_tree(plan: TreatmentPlan) -> list[Problem]:
    """The plan's problems with goals, objectives and interventions, in order, in four queries."""
    return list(
        Problem.objects.filter(plan=plan).prefetch_related(
            Prefetch(
                "goals",
                queryset=Goal.objects.prefetch_related(
                    "objectives", "interventions__responsible__staff_profile"
                ),
            )
        )
    )


def plan_content(plan: TreatmentPlan, tree: list[Problem] | None = None) -> core.PlanContent:
    """The plan's content as plain data (content.py), for the diff, signatures and the editor."""
    tree = plan_tree(plan) if tree is None else tree
    return core.PlanContent(
        strengths=plan.strengths,
        discharge_criteria=plan.discharge_criteria,
        review_interval_days=plan.review_interval_days,
        problems=tuple(
            core.ProblemContent(
                key=str(problem.key),
                icd10_code=problem.icd10_code,
                description=problem.description,
                evidenced_by=problem.evidenced_by,
                goals=tuple(
                    core.GoalContent(
                        key=str(goal.key),
                        text=goal.text,
                        objectives=tuple(
                            core.ObjectiveContent(
                                key=str(o.key),
                                text=o.text,
                                baseline=o.baseline,
                                target=o.target,
                                target_date=o.target_date,
                                measure_instrument=o.measure_instrument,
                                measure_comparator=o.measure_comparator,
                                measure_value=o.measure_value,
                            )
                            for o in goal.objectives.all()
                        ),
                        interventions=tuple(
                            core.InterventionContent(
                                key=str(i.key),
                                modality=i.modality,
                                description=i.description,
                                frequency=i.frequency,
                                responsible=str(i.responsible.uuid),
                                responsible_name=i.responsible.display_name,
                            )
                            for i in goal.interventions.all()
                        ),
                    )
                    for goal in problem.goals.all()
                ),
            )
            for problem in tree
        ),
    )


def signatures_of(plan: TreatmentPlan) -> dict[str, PlanSignature]:
    """The plan's standing signatures by role (voided ones left out)."""
    return {
        s.role: s
        for s in PlanSignature.objects.filter(plan=plan, voided_at__isnull=True).select_related(
            "signer", "witnessed_by__staff_profile"
        )
    }


def missing_signatures(plan: TreatmentPlan, signed: dict | None = None) -> list[str]:
    signed = signatures_of(plan) if signed is None else signed
    return [role for role in REQUIRED_SIGNATURES if role not in signed]


def plan_versions(episode) -> list[TreatmentPlan]:
    return list(
        TreatmentPlan.objects.filter(episode=episode)
        .select_related("responsible_clinician__staff_profile", "based_on")
        .order_by("-number")
    )


def plan_reviews(plan_or_episode) -> QuerySet[PlanReview]:
    reviews = PlanReview.objects.select_related("reviewed_by__staff_profile", "plan", "resulting_plan")
    if isinstance(plan_or_episode, TreatmentPlan):
        return reviews.filter(plan=plan_or_episode).prefetch_related("progress__objective")
    return reviews.filter(episode=plan_or_episode)


# --- loaders for pages and API -------------------------------------------------------------------------------


def _check(request, patient, permission: str, obj) -> None:
    user = request.user
    if user.has_perm(permission, patient):
        return
    # Staff who plan treatment but are not on this care team may read (only) after breaking the glass.
    if (
        permission == "treatment.view_plan"
        and user.has_perm("treatment.view_plans")
        and user.has_perm("patients.break_glass", patient)
    ):
        raise BreakGlassRequired(patient)
    refuse(request, permission=permission, patient=patient, obj=obj)


def plan_for_user(
    request, plan_uuid, *, permission: str = "treatment.view_plan", audit: bool = True, detail=None
) -> TreatmentPlan:
    """Load a plan version the user may act on (404 unknown; break-the-glass or 403 refused) and, for a read,
    audit the view once."""
    plan = get_object_or_404(
        TreatmentPlan.objects.select_related(
            "episode__patient", "episode__program", "responsible_clinician__staff_profile", "based_on"
        ),
        uuid=plan_uuid,
    )
    patient = plan.episode.patient
    _check(request, patient, permission, plan)
    if audit:
        audit_record(
            action=Action.VIEW,
            request=request,
            patient=patient,
            obj=plan,
            detail={**_break_glass(request.user, patient), **(detail or {})},
        )
    return plan


def episode_for_user(
    request, episode_uuid, *, permission: str = "treatment.view_plan", audit: bool = True, detail=None
) -> EpisodeOfCare:
    episode = get_object_or_404(
        EpisodeOfCare.objects.select_related("patient", "program", "track"), uuid=episode_uuid
    )
    _check(request, episode.patient, permission, episode)
    if audit:
        audit_record(
            action=Action.VIEW,
            request=request,
            patient=episode.patient,
            obj=episode,
            detail={**_break_glass(request.user, episode.patient), **(detail or {})},
        )
    return episode


def _break_glass(user, patient) -> dict:
    access = open_break_glass(user, patient)
    return {"break_glass": str(access.uuid)} if access else {}


# --- where plans stand: chart, my day, program lists ---------------------------------------------------------


@dataclass
class EpisodePlanState:
    episode: EpisodeOfCare
    active: TreatmentPlan | None
    in_progress: TreatmentPlan | None
    standing: schedule.Standing
    due_reviews: list[PlanReview]
    last_review_on: datetime.date | None

    @property
    def patient(self):
        return self.episode.patient


def plan_states(episodes, *, today: datetime.date) -> list[EpisodePlanState]:
    """Where each episode's plan stands, in a fixed number of queries, most urgent first."""
    episodes = list(episodes)
    ids = [e.pk for e in episodes]
    plans = TreatmentPlan.objects.filter(
        episode_id__in=ids, status__in=[PlanStatus.ACTIVE, PlanStatus.DRAFT, PlanStatus.AWAITING_SIGNATURES]
    ).select_related("responsible_clinician__staff_profile")
    active = {p.episode_id: p for p in plans if p.status == PlanStatus.ACTIVE}
    in_progress = {p.episode_id: p for p in plans if p.status != PlanStatus.ACTIVE}
    due = {}
    for review in PlanReview.objects.filter(episode_id__in=ids, status=ReviewStatus.DUE).order_by("due_on"):
        due.setdefault(review.episode_id, []).append(review)
    last = dict(
        PlanReview.objects.filter(episode_id__in=ids, status=ReviewStatus.COMPLETED)
        .values("episode_id")
        .annotate(last=Max("reviewed_on"))
        .values_list("episode_id", "last")
    )
    states = []
    for episode in episodes:
        plan = active.get(episode.pk)
        draft = in_progress.get(episode.pk)
        reviews = due.get(episode.pk, [])
        standing = schedule.standing(
            today=today,
            admitted_on=episode.admitted_on,
            plan_due_days=episode.program.initial_plan_due_days,
            open_status=draft.status if draft else "",
            activated_on=plan.activated_at.date() if plan else None,
            last_review_on=last.get(episode.pk),
            interval_days=plan.review_interval_days if plan else DEFAULT_REVIEW_INTERVAL_DAYS,
            triggered_due_on=reviews[0].due_on if (plan and reviews) else None,
        )
        states.append(EpisodePlanState(episode, plan, draft, standing, reviews, last.get(episode.pk)))
    states.sort(
        key=lambda s: (
            s.standing.sort_key,
            s.patient.legal_family_name,
            s.patient.legal_given_name,
            s.episode.pk,
        )
    )
    return states


def plan_state(episode, *, today: datetime.date) -> EpisodePlanState:
    return plan_states([episode], today=today)[0]


def program_plan_states(program, *, today: datetime.date) -> list[EpisodePlanState]:
    """Every admitted patient of the program with their plan's standing: due and overdue first."""
    episodes = EpisodeOfCare.objects.filter(program=program, status=EpisodeStatus.ACTIVE).select_related(
        "patient", "program", "track"
    )
    return plan_states(episodes, today=today)


def caseload_plan_states(user, *, today: datetime.date) -> list[EpisodePlanState]:
    """Plans of the user's caseload (admitted patients whose care team they are on) that need something
    within a week: a plan or review due or overdue."""
    episode_ids = CareTeamMember.objects.filter(user=user, episode__status=EpisodeStatus.ACTIVE).values(
        "episode_id"
    )
    episodes = EpisodeOfCare.objects.filter(pk__in=episode_ids).select_related("patient", "program")
    return [
        state for state in plan_states(episodes, today=today) if state.standing.overdue or state.standing.soon
    ]


def awaiting_signature_of(user) -> list[TreatmentPlan]:
    """Versions awaiting a signature this user gives: as responsible clinician, or as physician of the care
    team (psychiatrists and credentialed staff)."""
    from .rules import has_physician_credentials

    plans = list(
        TreatmentPlan.objects.filter(
            status=PlanStatus.AWAITING_SIGNATURES, episode__care_team_members__user=user
        )
        .select_related("episode__patient")
        # The signatures in force of every plan in one query, not one query per plan.
        .prefetch_related(
            Prefetch(
                "signatures",
                queryset=PlanSignature.objects.filter(voided_at__isnull=True),
                to_attr="signatures_in_force",
            )
        )
        .distinct()
    )
    if not plans:
        return []  # no version awaits anyone: the user's credentials need not be read
    physician = has_physician_credentials(user)
    result = []
    for plan in plans:
        signed = {s.role: s.signer_id for s in plan.signatures_in_force}
        mine = SignatureRole.CLINICIAN not in signed and plan.responsible_clinician_id == user.pk
        mine = mine or (
            physician
            and SignatureRole.PHYSICIAN not in signed
            and plan.responsible_clinician_id != user.pk
            and user.pk not in signed.values()
        )
        if mine:
            result.append(plan)
    return result
