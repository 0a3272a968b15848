"""The chart's "Progress on measures" panel: a compact trajectory per instrument of the current episode.

Registered on import (the app's ready() imports this module). The chart has already checked access and
written its VIEW event; the panel shows only to those who may read the patient's questionnaires.
Importing this module also registers the outcome permissions (rules_outcomes).
"""

from django.utils.safestring import mark_safe

from openiop.core.panels import CHART, Panel, register

from . import (
    rules_outcomes,  # noqa: F401 - registers the outcome permissions
    svg,
)
from .selectors_outcomes import episode_trajectories


def chart_context(request, patient, episode):
    if episode is None or episode.admitted_on is None:
        return None
    if not request.user.has_perm("measures.view_patient", patient):
        return None
    trajectories = episode_trajectories(episode)
    return {
        "patient": patient,
        "episode": episode,
        "charts": [
            (
                trajectory,
                mark_safe(  # noqa: S308 - every text escaped in svg.py
                    svg.trajectory_svg(
                        trajectory, chart_id=f"panel-{trajectory.instrument_code}", compact=True
                    )
                ),
            )
            for trajectory in trajectories
        ],
    }


register(
    CHART,
    Panel(
        key="measures_trajectories",
        template="measures/trajectory_panel.html",
        context=chart_context,
        order=60,
    ),
)
