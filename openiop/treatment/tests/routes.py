"""Treatment plan pages in the role walk (openiop/core/tests/test_role_walk.py).

Plans follow the care team: alice (primary clinician of patient_a) and paul (psychiatrist on the team)
write and sign; dana (director of program A) reads and exports; bob, in the program but not on the team,
reads only after breaking the glass and never writes; intake, auditors, administrators and patients are
refused. Empty POSTs re-render the page with the form's errors (200) or redirect with a message.
"""

from openiop.core.tests.roles import BTG, only
from openiop.treatment.services import plan_submit

from .factories import active_plan_of, draft_with_content, episode_of

READ = ("alice", "paul", "dana")
WRITE = ("alice", "paul")


def _episode(w):
    return {"episode_uuid": episode_of(w.patient_a).uuid}


def _draft(w):
    return {"plan_uuid": draft_with_content(w).uuid}


def _awaiting(w):
    return {"plan_uuid": plan_submit(plan=draft_with_content(w), by=w.alice).uuid}


def _active(w):
    return {"plan_uuid": active_plan_of(w).uuid}


ROUTES = {
    "treatment:episode_plans": ("get", _episode, only(*READ, bob=BTG)),
    "treatment:plan_start": ("post", _episode, only(*WRITE)),
    "treatment:plan_detail": ("get", _active, only(*READ, bob=BTG)),
    "treatment:plan_edit": ("get", _draft, only(*WRITE)),
    "treatment:plan_send": ("post", _draft, only(*WRITE)),
    # Signing as clinician is the responsible clinician's (alice); bob must break the glass even to read.
    "treatment:plan_sign": (
        "post",
        lambda w: {**_awaiting(w), "role": "clinician"},
        only("alice", bob=BTG),
    ),
    "treatment:plan_return": ("post", _awaiting, only(*WRITE)),
    "treatment:plan_withdraw": ("post", _draft, only(*WRITE)),
    "treatment:plan_new_version": ("post", _active, only(*WRITE)),
    "treatment:plan_review": ("get", _active, only(*WRITE)),
    "treatment:plan_diff": ("get", _active, only(*READ, bob=BTG)),
    # PDFs leave the system: the care team and the director, not break-the-glass readers.
    "treatment:plan_pdf": ("get", _active, only(*READ)),
    "treatment:program_index": ("get", lambda w: {}, only("dana")),
    "treatment:program_plans": ("get", lambda w: {"program_uuid": w.program_a.uuid}, only("dana")),
    "treatment:program_settings": ("get", lambda w: {"program_uuid": w.program_a.uuid}, only("dana")),
}
