"""The transitions pages in the role walk (core/tests/test_role_walk.py).

The medication list reads with the chart (bob must break the glass) and is kept by the care team's
clinicians and psychiatrist (alice, paul). The transition packet is a disclosure: alice, paul and dana.
"""

from openiop.core.tests.roles import BTG, only
from openiop.transitions.models import Medication


def _medication(w):
    medication = Medication.objects.create(patient=w.patient_a, name="Sertraline", dose="50 mg")
    return {"medication_uuid": medication.uuid}


ROUTES = {
    "transitions:medications": (
        "get",
        lambda w: {"patient_uuid": w.patient_a.uuid},
        only("alice", "paul", "ivan", "dana", bob=BTG),
    ),
    # An empty stop form redirects back to the list with its errors for those who may act.
    "transitions:medication_stop": ("post", _medication, only("alice", "paul")),
    "transitions:packet": (
        "get",
        lambda w: {"episode_uuid": w.patient_a.episodes.get(status="active").uuid},
        only("alice", "paul", "dana"),
    ),
}
