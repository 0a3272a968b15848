from django.apps import AppConfig


class DischargeConfig(AppConfig):
    name = "openiop.discharge"
    label = "discharge"

    def ready(self) -> None:
        from openiop.core.panels import CHART, MY_DAY, Panel, register

        from .panels import chart_panel, my_day_panel

        register(CHART, Panel("discharge", "discharge/_chart_panel.html", chart_panel, order=35))
        register(MY_DAY, Panel("discharge", "discharge/_my_day_panel.html", my_day_panel, order=35))
