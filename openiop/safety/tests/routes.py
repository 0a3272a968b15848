"""The plan pages in the role walk (core/tests/test_role_walk.py).

Reading follows the chart: the care team (alice, paul), the program's director (dana) and intake
coordinator (ivan); bob, in the program but not on the team, must break the glass (his access in the
walk's world has expired). Writing, signing and revising: the care team's clinician and psychiatrist.
"""

from openiop.core.tests.roles import BTG, only

from .factories import draft_of, signed_plan

READERS = ("alice", "paul", "ivan", "dana")
WRITERS = ("alice", "paul")

ROUTES = {
    "safety:plan_home": (
        "get",
        lambda w: {"patient_uuid": w.patient_a.uuid, "kind": "safety-plan"},
        only(*READERS, bob=BTG),
    ),
    # Starting the first plan redirects to its draft for the care team.
    "safety:plan_create": (
        "post",
        lambda w: {"patient_uuid": w.patient_a.uuid, "kind": "relapse-prevention-plan"},
        only(*WRITERS),
    ),
    "safety:plan_detail": (
        "get",
        lambda w: {"plan_uuid": signed_plan(w.patient_a, w.alice).uuid},
        only(*READERS, bob=BTG),
    ),
    "safety:plan_edit": ("get", lambda w: {"plan_uuid": draft_of(w.patient_a, w.alice).uuid}, only(*WRITERS)),
    "safety:plan_sign": ("get", lambda w: {"plan_uuid": draft_of(w.patient_a, w.alice).uuid}, only(*WRITERS)),
    "safety:plan_revise": (
        "post",
        lambda w: {"plan_uuid": signed_plan(w.patient_a, w.alice).uuid},
        only(*WRITERS),
    ),
    # The pocket PDF: whoever reads the plan, break-the-glass included (it is what a crisis needs).
    "safety:plan_pdf": (
        "get",
        lambda w: {"plan_uuid": signed_plan(w.patient_a, w.alice).uuid},
        only(*READERS, bob=BTG),
    ),
}
