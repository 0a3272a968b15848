"""Which plan structures this deployment uses: the shipped files, read once per process."""

import functools

from .structure import Structure, shipped_structures


@functools.cache
def all_structures() -> tuple[Structure, ...]:
    return shipped_structures()


def current_structure(kind: str) -> Structure:
    """The latest structure of `kind`: the one a new plan is written with."""
    candidates = [s for s in all_structures() if s.kind == kind]
    if not candidates:
        raise LookupError(f"No plan structure of kind {kind}.")
    return candidates[-1]


def get_structure(structure_id: str, version: str) -> Structure:
    """The exact structure a stored plan was written with. Raises LookupError when it is gone."""
    for structure in all_structures():
        if structure.id == structure_id and structure.version == version:
            return structure
    raise LookupError(f"No plan structure {structure_id} {version}.")
