from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from openiop.audit.models import Action
from openiop.audit.services import audit_record
from openiop.core.access import policy

from ..forms import ReviewForm
from ..models import Objective, PlanReview, PlanStatus, ReviewOutcome, ReviewStatus
from ..selectors import plan_for_user, plan_state
from ..services import PlanLocked, plan_review_record
from .common import breaks_glass


@policy("treatment.view_plans")
@require_http_methods(["GET", "POST"])
@breaks_glass
def plan_review(request, plan_uuid):
    """Review the active plan: progress on each objective, what changed, continue or revise."""
    plan = plan_for_user(request, plan_uuid, permission="treatment.write_plan", audit=False)
    if plan.status != PlanStatus.ACTIVE:
        messages.warning(request, _("Only the active plan is reviewed."))
        return redirect("treatment:plan_detail", plan_uuid=plan.uuid)
    objectives = list(
        Objective.objects.filter(goal__problem__plan=plan)
        .select_related("goal__problem")
        .order_by("goal__problem__position", "goal__position", "position", "id")
    )
    form = ReviewForm(request.POST or None, objectives=objectives)
    if request.method == "POST" and form.is_valid():
        try:
            review = plan_review_record(
                plan=plan,
                by=request.user,
                reviewed_on=form.cleaned_data["reviewed_on"],
                progress=form.progress(),
                summary=form.cleaned_data["summary"],
                outcome=form.cleaned_data["outcome"],
                request=request,
            )
        except PlanLocked as locked:
            messages.error(request, locked.message)
            return redirect("treatment:plan_detail", plan_uuid=plan.uuid)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            if review.outcome == ReviewOutcome.REVISE and review.resulting_plan is not None:
                messages.success(request, _("Review recorded. Revise the plan in the new draft version."))
                return redirect("treatment:plan_edit", plan_uuid=review.resulting_plan.uuid)
            messages.success(request, _("Review recorded. The next review is counted from today's date."))
            return redirect("treatment:plan_detail", plan_uuid=plan.uuid)
    audit_record(
        action=Action.VIEW,
        request=request,
        patient=plan.episode.patient,
        obj=plan,
        detail={"page": "plan_review"},
    )
    from django.utils import timezone

    context = {
        "plan": plan,
        "patient": plan.episode.patient,
        "episode": plan.episode,
        "form": form,
        "due": list(
            PlanReview.objects.filter(episode=plan.episode, status=ReviewStatus.DUE).order_by("due_on")
        ),
        "state": plan_state(plan.episode, today=timezone.localdate()),
    }
    return render(request, "treatment/plan_review.html", context)
