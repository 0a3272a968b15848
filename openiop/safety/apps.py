from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "openiop.safety"
    label = "safety"

    def ready(self) -> None:
        from openiop.core.panels import CHART, Panel, register

        from . import checks  # noqa: F401  (registers the structure system check)
        from .panels import chart_panel

        register(CHART, Panel("safety", "safety/_chart_panel.html", chart_panel, order=20))
