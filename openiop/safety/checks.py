"""System check: every plan structure file loads, so a broken file stops startup with its problems."""

from django.core.checks import Error, register

from .structure import KINDS, StructureError, shipped_structures


@register("openiop")
def check_structures(app_configs=None, **kwargs) -> list[Error]:
    try:
        structures = shipped_structures()
    except StructureError as error:
        return [
            Error(
                "A safety or relapse-prevention plan structure cannot be used.",
                hint=str(error),
                id="safety.E001",
            )
        ]
    missing = sorted(set(KINDS) - {s.kind for s in structures})
    return [Error(f"No plan structure of kind {kind}.", id="safety.E002") for kind in missing]
