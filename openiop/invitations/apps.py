from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    """Portal accounts: invitations to patients (single use, expiring) and the patient's portal settings."""

    name = "openiop.invitations"
    label = "invitations"

    def ready(self) -> None:
        from openiop.core.panels import CHART, Panel, register

        from . import rules  # noqa: F401  (registers the permissions)
        from .panels import chart_panel

        register(CHART, Panel("portal_access", "portal/access/_chart_panel.html", chart_panel, order=90))
