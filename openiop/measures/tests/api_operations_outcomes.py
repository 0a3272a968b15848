"""Trajectory and outcome operations in the API role walk (api/tests/test_role_walk.py merges this table)."""

from openiop.api.tests.walk import CHART_A, Op, expect

OPERATIONS = {
    # The chart's rule; break-the-glass is not offered through the API, so bob is refused.
    "GET /patients/{patient_uuid}/trajectories/{instrument_code}": Op(
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}/trajectories/PHQ-9", expect(CHART_A)
    ),
    # Program A's outcomes: its director, clinicians and psychiatrist (their caseload) and the auditor.
    "GET /programs/{program_uuid}/outcomes": Op(
        lambda w: (
            f"/api/v1/programs/{w.program_a.uuid}/outcomes?instrument=PHQ-9&from=2026-09-01&to=2026-11-30"
        ),
        expect({"alice", "bob", "paul", "dana", "audrey"}),
    ),
}
