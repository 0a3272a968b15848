"""Utilization panels: the chart's authorizations for the episode (with the review PDF's range form), and
my day's authorizations needing attention for directors and intake coordinators. Both run inside pages
that have already checked access and audited."""

from django.utils import timezone

from openiop.accounts.models import Role

from . import review
from .forms import ReviewRangeForm
from .selectors import MANAGE, PRINT, VIEW, episode_rows, program_rows
from .services import OPEN_EPISODES


def chart_panel(request, patient, episode) -> dict | None:
    user = request.user
    if episode is None or not user.has_perm(VIEW, patient):
        return None
    today = timezone.localdate()
    start, end = review.default_range(today)
    may_print = user.has_perm(PRINT, patient)
    may_manage = user.has_perm(MANAGE, patient)
    return {
        "episode": episode,
        "patient": patient,
        "rows": episode_rows(episode, today=today),
        "may_manage": may_manage,
        "may_add": may_manage and episode.status in OPEN_EPISODES,
        "may_print": may_print,
        "range_form": ReviewRangeForm(initial={"from": start, "to": end}, auto_id="ur-%s")
        if may_print
        else None,
    }


def my_day_panel(request) -> dict | None:
    user = request.user
    if user.role not in (Role.PROGRAM_DIRECTOR, Role.INTAKE_COORDINATOR):
        return None
    return {"rows": program_rows(user, today=timezone.localdate(), alert_only=True)}
