"""The chart's "Safety and relapse prevention" panel: where each plan stands and what the user may do.

The chart has already checked access (reading plans follows the chart) and audited the view."""

from .models import KIND_SLUGS
from .selectors import WRITE, plan_states


def chart_panel(request, patient, episode) -> dict | None:
    may_write = request.user.has_perm("safety.write_plans") and request.user.has_perm(WRITE, patient)
    states = plan_states(patient, with_authors=False)
    return {
        "patient": patient,
        "plans": [(state, KIND_SLUGS[state.kind]) for state in states],
        "may_write": may_write,
    }
