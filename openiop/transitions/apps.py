from django.apps import AppConfig


class TransitionsConfig(AppConfig):
    """The bridge's far end: the medication list as recorded and the transition packet that leaves with a
    person at step-down, step-up or discharge (through the disclosure service)."""

    name = "openiop.transitions"
    label = "transitions"

    def ready(self) -> None:
        from openiop.core.panels import CHART, Panel, register

        from . import rules  # noqa: F401  (registers the permissions)
        from .panels import chart_panel

        register(CHART, Panel("transitions", "transitions/_chart_panel.html", chart_panel, order=35))
