"""System checks of the intake app: every rubric file loads, so a broken licensed rubric in
OPENIOP_RUBRIC_DIRS stops startup with its path and problems instead of vanishing from the form."""

from django.core.checks import Error, register

from .rubric_registry import rubric_problems


@register("openiop")
def check_rubrics(app_configs=None, **kwargs) -> list[Error]:
    return [
        Error(
            f"Level-of-care rubric {path} cannot be used.",
            hint=message,
            obj=path,
            id="intake.E001",
        )
        for path, message in rubric_problems()
    ]
