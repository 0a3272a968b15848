"""The API role walk's vocabulary, shared by api/tests/test_role_walk.py and each app's
`tests/api_operations.py` (a dict `OPERATIONS`: "METHOD path" -> Op), which the walk merges."""

from collections.abc import Callable
from dataclasses import dataclass

ROLES = ["anonymous", "pat_a", "pat_b", "alice", "bob", "paul", "ivan", "dana", "charlie", "audrey", "adam"]
CLINICAL = {"alice", "bob", "paul", "ivan", "dana", "charlie"}
INTAKE_A = {"ivan", "dana"}  # work referrals and admit in program A
CHART_A = {"alice", "paul", "ivan", "dana"}  # open patient_a's chart


def expect(allowed, *, ok=200, **special):
    table = {role: (ok if role in allowed else 403) for role in ROLES}
    table["anonymous"] = 401
    table.update(special)
    return table


@dataclass
class Op:
    url: Callable  # world -> URL (may create what the operation acts on)
    expected: dict[str, int]
    body: Callable | None = None  # world -> JSON body, for writes
