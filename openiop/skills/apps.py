from django.apps import AppConfig


class SkillsConfig(AppConfig):
    name = "openiop.skills"
    label = "skills"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the curriculum file check)
        from .panels import register_panels

        register_panels()
