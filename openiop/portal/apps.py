from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The patient portal: where the program reaches people between sessions. Every page is about the
    signed-in patient's own record (`selectors.portal_patient`); no portal URL takes a patient id."""

    name = "openiop.portal"
    label = "portal"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the permissions)
