"""System check: every note format file loads, or startup names the file and its problems."""

from django.core.checks import Error, register

from .registry import format_problems


@register("openiop")
def check_note_formats(app_configs=None, **kwargs) -> list[Error]:
    return [
        Error(f"Note format {path} cannot be used.", hint=message, obj=path, id="notes.E001")
        for path, message in format_problems()
    ]
