"""A patient's trajectory on one instrument: the chart with its bands, every score in a table, change from
baseline, reliable change, response and remission with the instrument's cited thresholds."""

import functools

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from openiop.core.access import policy
from openiop.patients.selectors import BreakGlassRequired, current_episode

from .. import svg
from ..selectors_outcomes import charted_instrument, episode_trajectory, patient_for_trajectory


def breaks_glass(view):
    """Staff who may read the chart only by breaking the glass go to the break-the-glass page, as the chart."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BreakGlassRequired as needed:
            return redirect("patients:break_glass", patient_uuid=needed.patient.uuid)

    return wrapped


@policy("measures.view")
@require_GET
@breaks_glass
def trajectory_detail(request, patient_uuid, instrument_code):
    instrument = charted_instrument(instrument_code)
    if instrument is None:
        raise Http404("No such instrument with a trajectory.")
    patient = patient_for_trajectory(
        request, patient_uuid, detail={"page": "trajectory", "instrument": instrument.code}
    )
    episodes = [e for e in patient.episodes.all() if e.admitted_on]
    wanted = request.GET.get("episode", "")
    episode = next((e for e in episodes if str(e.uuid) == wanted), None) or current_episode(patient)
    trajectory = episode_trajectory(episode, instrument) if episode and episode.admitted_on else None
    context = {
        "patient": patient,
        "episode": episode,
        "episodes": sorted(episodes, key=lambda e: e.admitted_on, reverse=True),
        "instrument": instrument,
        "trajectory": trajectory,
        "chart": mark_safe(svg.trajectory_svg(trajectory, chart_id="trajectory")) if trajectory else "",  # noqa: S308 - every text escaped in svg.py
    }
    return render(request, "measures/trajectory.html", context)
