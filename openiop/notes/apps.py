from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "openiop.notes"
    label = "notes"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the note-format system check)
        from .panels import register_panels

        register_panels()
