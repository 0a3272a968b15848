"""The measures panels: on the chart, open urgent alerts, due questionnaires and the latest results with
"Enter a questionnaire"; on "my day", open urgent alerts the user works and the due questionnaires of
their caseload (as primary clinician), with a director's links to schedules and cover.

The chart and my day have already checked access and written their audit event (core/panels.py).
Registered on import (apps.py's ready() imports this module).
"""

from django.utils import timezone

from openiop.core.panels import CHART, MY_DAY, Panel, register

from .selectors import (
    ENTER,
    alerts_for_user,
    caseload_due,
    directed_programs,
    due_questionnaires,
    open_alerts_of,
    recent_administrations,
)

MY_DAY_ALERTS = 10


def chart_panel(request, patient, episode) -> dict | None:
    user = request.user
    if not user.has_perm("measures.view"):
        return None
    return {
        "patient": patient,
        "alerts": open_alerts_of(patient),
        "due": due_questionnaires(episode, timezone.localdate()),
        "recent": recent_administrations(patient),
        "may_enter": episode is not None
        and user.has_perm("measures.enter")
        and user.has_perm(ENTER, patient),
    }


def my_day_panel(request) -> dict | None:
    user = request.user
    if not user.has_perm("measures.view"):
        return None
    alerts = list(alerts_for_user(user)[:MY_DAY_ALERTS])
    due = caseload_due(user, timezone.localdate())
    programs = directed_programs(user)
    if not (alerts or due or programs or user.role in ("clinician", "psychiatrist")):
        return None  # an intake coordinator with nothing to act on
    return {"alerts": alerts, "due": due, "programs": programs, "user_id": user.pk}


register(CHART, Panel("measures", "measures/_chart_panel.html", chart_panel, order=15))
register(MY_DAY, Panel("measures", "measures/_my_day_panel.html", my_day_panel, order=5))
