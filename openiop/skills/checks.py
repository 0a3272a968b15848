"""System check: the shipped curriculum file loads, so a broken file stops startup with its problems
instead of failing later in `load_curriculum` or the demo."""

from django.core.checks import Error, register

from .curriculum import SHIPPED_FILE, CurriculumError, load_curriculum


@register("openiop")
def check_curriculum(app_configs=None, **kwargs) -> list[Error]:
    try:
        load_curriculum(SHIPPED_FILE)
    except CurriculumError as error:
        return [
            Error(
                f"Skills curriculum {SHIPPED_FILE} cannot be used.",
                hint=str(error),
                obj=str(SHIPPED_FILE),
                id="skills.E001",
            )
        ]
    return []
