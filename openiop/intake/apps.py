from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "openiop.intake"
    label = "intake"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the rubric system check)
