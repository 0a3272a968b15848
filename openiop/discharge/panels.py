"""Discharge panels: the chart's discharge state for the episode, and my day's discharges planned within
7 days that are not ready. Both run inside pages that have already checked access and audited."""

from django.utils import timezone

from . import checklist
from .selectors import MANAGE, VIEW, discharge_checklist, discharge_of, upcoming_not_ready

MY_DAY_DAYS = 7


def chart_panel(request, patient, episode) -> dict | None:
    user = request.user
    if episode is None or not user.has_perm(VIEW, patient):
        return None
    discharge = discharge_of(episode)
    if discharge is None and episode.status != "active":
        return None
    return {
        "episode": episode,
        "discharge": discharge,
        "missing": checklist.missing(discharge_checklist(discharge))
        if discharge and discharge.is_open
        else [],
        "may_start": discharge is None and user.has_perm(MANAGE, patient),
    }


def my_day_panel(request) -> dict | None:
    user = request.user
    if not user.has_perm("discharge.manage_discharge"):
        return None
    upcoming = upcoming_not_ready(user, timezone.localdate(), days=MY_DAY_DAYS)
    return {"upcoming": upcoming}
