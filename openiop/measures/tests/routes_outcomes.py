"""Trajectory and outcomes pages in the role walk (core/tests/test_role_walk.py merges this table)."""

from openiop.core.tests.roles import BTG, only

ROUTES = {
    # A patient's trajectory follows the chart (bob, in the program but not on the care team, breaks the glass).
    "measures:trajectory_detail": (
        "get",
        lambda w: {"patient_uuid": w.patient_a.uuid, "instrument_code": "PHQ-9"},
        only("alice", "paul", "ivan", "dana", bob=BTG),
    ),
    # Outcomes: directors (their programs), clinicians and psychiatrists (their caseload), auditors (every
    # program, read-only). Intake coordinators, administrators and patients are refused.
    "measures:outcomes_index": (
        "get",
        lambda w: {},
        only("alice", "bob", "paul", "dana", "charlie", "audrey"),
    ),
    # The CSV: directors and auditors. Without filters it goes back to the page (a redirect inside the app).
    "measures:outcomes_export": ("get", lambda w: {}, only("dana", "audrey")),
}
