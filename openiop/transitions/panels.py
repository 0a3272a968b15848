"""The chart's "Medications and transitions" panel. The chart has checked access and audited the view."""

from openiop.coordination.selectors import DISCLOSE

from .models import Medication


def chart_panel(request, patient, episode) -> dict | None:
    user = request.user
    if not user.has_perm("transitions.view_medications"):
        return None
    return {
        "patient": patient,
        "episode": episode,
        "medications": list(Medication.objects.current().filter(patient=patient)),
        "may_send_packet": episode is not None
        and episode.admitted_on is not None
        and user.has_perm("coordination.disclose")
        and user.has_perm(DISCLOSE, patient),
    }
