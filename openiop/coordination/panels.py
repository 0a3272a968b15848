"""The chart's "Care coordination" panel: external care team, consents in force, and what the user may do.

The chart has already checked access and audited the view; consents are read with the chart."""

from django.utils import timezone

from .selectors import DISCLOSE, RECORD, consent_rows, external_team_of


def chart_panel(request, patient, episode) -> dict | None:
    user = request.user
    if not user.has_perm("coordination.view_consents"):
        return None
    now = timezone.now()
    return {
        "patient": patient,
        "external_team": list(external_team_of(patient)),
        "consents": [
            (c, status)
            for c, status in consent_rows(patient, now=now, with_staff=False)
            if status == "active"
        ],
        "may_record": user.has_perm("coordination.record_consents") and user.has_perm(RECORD, patient),
        "may_disclose": user.has_perm("coordination.disclose") and user.has_perm(DISCLOSE, patient),
    }
