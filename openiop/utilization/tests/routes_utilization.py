"""The utilization pages in the role walk (core/tests/test_role_walk.py).

Working patient_a's authorizations (add, edit, end): the care team's clinician and psychiatrist (alice,
paul), the program's intake coordinator (ivan) and director (dana); bob (program A, not on the care team)
is refused rather than offered break-the-glass: the glass opens reading, not writing. The program list:
the director and intake coordinator, and auditors (audrey) read-only. The utilization-review PDF: the care
team (alice, paul) and the director (dana). Patients, charlie (program B) and the administrator: refused.
"""

from openiop.core.tests.roles import only

from .factories import active_episode, authorization

MANAGERS = ("alice", "paul", "ivan", "dana")


def authorization_a(w):
    found = active_episode(w.patient_a).payer_authorizations.first()
    return found or authorization(w.patient_a, w.ivan)


def _authorization(w):
    return {"authorization_uuid": authorization_a(w).uuid}


ROUTES = {
    "utilization:list": ("get", lambda w: {}, only("ivan", "dana", "audrey")),
    "utilization:add": (
        "get",
        lambda w: {"episode_uuid": active_episode(w.patient_a).uuid},
        only(*MANAGERS),
    ),
    "utilization:edit": ("get", _authorization, only(*MANAGERS)),
    "utilization:end": ("get", _authorization, only(*MANAGERS)),
    "utilization:review_pdf": (
        "get",
        lambda w: {"patient_uuid": w.patient_a.uuid},
        only("alice", "paul", "dana"),
    ),
}
