import importlib
import importlib.util

from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "openiop.measures"
    label = "measures"

    def ready(self) -> None:
        # Chart and my-day panels, each module registering its own on import (core/panels.py).
        for module in ("panels", "trajectory_panels"):
            if importlib.util.find_spec(f"{self.name}.{module}") is not None:
                importlib.import_module(f"{self.name}.{module}")
