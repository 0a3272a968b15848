from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "openiop.coordination"
    label = "coordination"

    def ready(self) -> None:
        from openiop.core.panels import CHART, Panel, register

        from .panels import chart_panel

        register(CHART, Panel("coordination", "coordination/_chart_panel.html", chart_panel, order=30))
