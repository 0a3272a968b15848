"""The plan's panels on the chart and on "my day" (registered in apps.py).

Panels run inside pages that have checked access and written their audit event (the chart's VIEW, my
day's LIST); they read only what those pages cover.
"""

from django.utils import timezone

from openiop.programs.models import Program

from .selectors import (
    awaiting_signature_of,
    caseload_plan_states,
    plan_state,
    plan_tree,
    program_plan_states,
)


def chart_context(request, patient, episode):
    """The active plan in brief, where the plan stands and the next review; for those who may read plans."""
    if episode is None or not request.user.has_perm("treatment.view_plan", patient):
        return None
    state = plan_state(episode, today=timezone.localdate())
    return {
        "episode": episode,
        "state": state,
        "problems": plan_tree(state.active) if state.active else [],
        "can_write": request.user.has_perm("treatment.write_plan", patient),
        "today": timezone.localdate(),
    }


def my_day_context(request):
    """Plans and reviews due within a week on my caseload, versions awaiting my signature, and for directors
    how many of their programs' plans are overdue."""
    user = request.user
    if not user.has_perm("treatment.view_plans"):
        return None
    today = timezone.localdate()
    programs = []
    if user.has_perm("treatment.view_program_plans"):
        for program in Program.objects.filter(staff_profiles__user=user).distinct():
            states = program_plan_states(program, today=today)
            programs.append((program, sum(s.standing.overdue for s in states)))
    return {
        "due": caseload_plan_states(user, today=today),
        "to_sign": awaiting_signature_of(user),
        "programs": programs,
        "today": today,
    }
