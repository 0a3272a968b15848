from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "openiop.treatment"
    label = "treatment"

    def ready(self):
        from openiop.core import panels

        from .panels import chart_context, my_day_context

        panels.register(
            panels.CHART, panels.Panel("treatment_plan", "treatment/_chart_panel.html", chart_context, 40)
        )
        panels.register(
            panels.MY_DAY, panels.Panel("treatment_plans", "treatment/_my_day_panel.html", my_day_context, 40)
        )
