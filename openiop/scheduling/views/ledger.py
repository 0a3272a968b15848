from django.shortcuts import redirect, render
from django.utils import timezone

from openiop.core.access import policy
from openiop.patients.selectors import BreakGlassRequired

from ..selectors import engagement_alerts_of, episode_ledger_for_user, ledger_for_episode


@policy("patients.list_patients")
def episode_ledger(request, episode_uuid):
    """The weekly hours ledger of one episode: whoever may open the chart (break-the-glass as the chart)."""
    try:
        episode = episode_ledger_for_user(request, episode_uuid)
    except BreakGlassRequired as needed:
        return redirect("patients:break_glass", patient_uuid=needed.patient.uuid)
    book = ledger_for_episode(episode, today=timezone.localdate())
    context = {
        "episode": episode,
        "patient": episode.patient,
        "weeks": list(reversed(book.weeks)),
        "alerts": list(engagement_alerts_of(episode)),
    }
    return render(request, "scheduling/ledger.html", context)
