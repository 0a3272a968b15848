"""The discharge pages in the role walk (core/tests/test_role_walk.py).

Working a discharge (start, edit, aftercare, waive, close): patient_a's care team clinicians (alice, paul)
and the program director (dana). Reading: whoever opens the chart (ivan read-only; bob must break the
glass) and auditors (audrey), read-only. charlie (program B), the administrator and patients: refused.
"""

from openiop.core.tests.roles import BTG, only

from .factories import active_episode, appointment, start

MANAGERS = ("alice", "paul", "dana")
READERS = ("alice", "paul", "ivan", "dana", "audrey")


def discharge_a(w):
    episode = active_episode(w.patient_a)
    return episode.discharge if hasattr(episode, "discharge") else start(w.patient_a, w.alice)


def _discharge(w):
    return {"discharge_uuid": discharge_a(w).uuid}


ROUTES = {
    "discharge:start": (
        "get",
        lambda w: {"episode_uuid": active_episode(w.patient_a).uuid},
        only(*MANAGERS),
    ),
    "discharge:detail": ("get", _discharge, only(*READERS, bob=BTG)),
    "discharge:edit": ("get", _discharge, only(*MANAGERS)),
    "discharge:aftercare_add": ("get", _discharge, only(*MANAGERS)),
    "discharge:aftercare_remove": (
        "post",
        lambda w: {"appointment_uuid": appointment(discharge_a(w), w.alice).uuid},
        only(*MANAGERS),
    ),
    "discharge:waive": ("get", _discharge, only(*MANAGERS)),
    "discharge:close": ("get", _discharge, only(*MANAGERS)),
}
