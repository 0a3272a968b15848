"""The chart's "Portal access" panel: no account, invited (until when) or active, and the invite button for
those who may invite. The chart has already checked access and audited the view."""

from .selectors import portal_access_of


def chart_panel(request, patient, episode) -> dict | None:
    user = request.user
    if not user.is_authenticated or not user.is_clinical:
        return None
    return {
        "patient": patient,
        "access": portal_access_of(patient),
        "may_invite": user.has_perm("invitations.invite")
        and user.has_perm("invitations.invite_patient", patient),
    }
