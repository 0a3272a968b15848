"""Reviews of the active plan: due on triggers raised by other capabilities, recorded with progress."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.home.models import Task
from openiop.home.services import task_complete, task_create
from openiop.patients.models import EpisodeOfCare

from ..models import (
    Objective,
    ObjectiveProgress,
    PlanReview,
    PlanStatus,
    Progress,
    ReviewOutcome,
    ReviewReason,
    ReviewStatus,
    TreatmentPlan,
)
from .plans import _lock, _new_version_of_locked, _primary_clinician, _require

# Days to complete a review raised by a trigger. Deterioration and step-up are urgent (within 2 days);
# no measurable progress within a week.
TRIGGER_DUE_DAYS = {
    ReviewReason.DETERIORATION: 2,
    ReviewReason.STEP_UP: 2,
    ReviewReason.NO_PROGRESS: 7,
    ReviewReason.CLINICAL_JUDGEMENT: 7,
}

# --- reviews -------------------------------------------------------------------------------------------------


def plan_review_trigger(episode, reason, detail: str = "", by=None, *, request=None) -> PlanReview:
    """Record that the episode's plan needs a review (no measurable progress, deterioration, step-up…) and
    put a task on the responsible clinician's list. For other capabilities (measures, attendance, intake).

    Raising the same reason again while its review is still due changes nothing and returns that review.
    """
    if reason not in ReviewReason.values or reason == ReviewReason.CADENCE:
        raise ValueError(f"unknown review trigger {reason!r}")
    with transaction.atomic():
        episode = EpisodeOfCare.objects.select_for_update().select_related("patient").get(pk=episode.pk)
        existing = PlanReview.objects.filter(episode=episode, reason=reason, status=ReviewStatus.DUE).first()
        if existing is not None:
            return existing
        plan = (
            TreatmentPlan.objects.active()
            .filter(episode=episode)
            .select_related("responsible_clinician")
            .first()
        )
        due_on = timezone.localdate() + datetime.timedelta(days=TRIGGER_DUE_DAYS[reason])
        review = PlanReview.objects.create(
            episode=episode,
            plan=plan,
            reason=reason,
            detail=(detail or "").strip()[:300],
            due_on=due_on,
            created_by=by,
            updated_by=by,
        )
        owner = plan.responsible_clinician if plan else _primary_clinician(episode)
        if owner is not None:
            review.task = task_create(
                title=_("Review the treatment plan: %(reason)s")
                % {"reason": review.get_reason_display().lower()},
                assigned_to=owner,
                due_on=due_on,
                patient=episode.patient,
                created_by=by,
                request=request,
            )
            review.save(update_fields=["task"])
        audit_record(
            action=Action.CREATE,
            request=request,
            actor=by,
            patient=episode.patient,
            obj=review,
            detail={"reason": reason, "due_on": due_on.isoformat()},
        )
    return review


def plan_review_record(
    *,
    plan: TreatmentPlan,
    by,
    reviewed_on: datetime.date,
    progress: dict,
    summary: str,
    outcome: str,
    request=None,
) -> PlanReview:
    """Record a review of the active plan: progress on every objective (`progress` maps each objective's
    uuid to (progress, note)), what changed, and whether the plan continues or is revised. Revising starts
    a new draft version (or uses the one in progress). Completes every review that was due."""
    _require(plan, PlanStatus.ACTIVE)  # again under the lock below
    errors: dict[str, list[str]] = {}
    summary = summary.strip()
    today = timezone.localdate()
    if not summary:
        errors.setdefault("summary", []).append(_("Say what changed since the last review."))
    if outcome not in ReviewOutcome.values:
        errors.setdefault("outcome", []).append(_("Choose whether the plan continues or is revised."))
    if reviewed_on is None or reviewed_on > today:
        errors.setdefault("reviewed_on", []).append(_("Give the date of the review, today or earlier."))
    elif plan.activated_at and reviewed_on < timezone.localdate(plan.activated_at):
        errors.setdefault("reviewed_on", []).append(_("The review cannot be before the plan became active."))
    objectives = list(Objective.objects.filter(goal__problem__plan=plan))
    entries = []
    for objective in objectives:
        value, note = progress.get(str(objective.uuid), ("", ""))
        if value not in Progress.values:
            errors.setdefault(f"progress.{objective.uuid}", []).append(
                _("Choose met, progressing, no change or worse.")
            )
        else:
            entries.append((objective, value, (note or "").strip()))
    unknown = set(progress) - {str(o.uuid) for o in objectives}
    if unknown:
        errors.setdefault("progress", []).append(_("Progress names an objective that is not in this plan."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        plan = _lock(plan)
        _require(plan, PlanStatus.ACTIVE)
        due = list(
            PlanReview.objects.select_for_update()
            .filter(episode=plan.episode, status=ReviewStatus.DUE)
            .order_by("due_on", "pk")
        )
        review = (
            due[0]
            if due
            else PlanReview(episode=plan.episode, reason=ReviewReason.CADENCE, due_on=reviewed_on)
        )
        review.plan = plan
        review.status = ReviewStatus.COMPLETED
        review.reviewed_on = reviewed_on
        review.reviewed_by = by
        review.summary = summary
        review.outcome = outcome
        review.updated_by = by
        if review.pk is None:
            review.created_by = by
        review.save()
        ObjectiveProgress.objects.bulk_create(
            ObjectiveProgress(review=review, objective=objective, progress=value, note=note)
            for objective, value, note in entries
        )
        for other in due[1:]:
            other.status = ReviewStatus.COMPLETED
            other.plan = plan
            other.reviewed_on = reviewed_on
            other.reviewed_by = by
            other.summary = _("Covered by the review of %(day)s.") % {"day": reviewed_on.isoformat()}
            other.outcome = outcome
            other.updated_by = by
            other.save()
        for done in due:
            if done.task_id is not None:
                task_complete(task=Task.objects.get(pk=done.task_id), user=by, request=request)
        audit_record(
            action=Action.CREATE if not due else Action.UPDATE,
            request=request,
            actor=by,
            patient=plan.episode.patient,
            obj=review,
            detail={
                "version": plan.number,
                "outcome": outcome,
                "objectives": len(entries),
                "covers": len(due),
            },
        )
        if outcome == ReviewOutcome.REVISE:
            draft = TreatmentPlan.objects.open().filter(episode=plan.episode).first()
            if draft is None:
                draft = _new_version_of_locked(plan, by=by, request=request)
            review.resulting_plan = draft
            review.save(update_fields=["resulting_plan"])
    return review
