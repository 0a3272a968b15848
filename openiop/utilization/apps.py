from django.apps import AppConfig


class UtilizationConfig(AppConfig):
    """Payer authorizations and utilization-review summaries (PRODUCT.md §8)."""

    name = "openiop.utilization"
    label = "utilization"

    def ready(self) -> None:
        from openiop.core.panels import CHART, MY_DAY, Panel, register

        from .panels import chart_panel, my_day_panel

        register(CHART, Panel("utilization", "utilization/_chart_panel.html", chart_panel, order=37))
        register(MY_DAY, Panel("utilization", "utilization/_my_day_panel.html", my_day_panel, order=37))
