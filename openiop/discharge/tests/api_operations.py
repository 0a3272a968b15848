"""The discharge operations in the API role walk (api/tests/test_role_walk.py).

As the pages (routes.py): reading follows the chart (bob would need break-the-glass, which the API does
not offer) plus auditors; working a discharge is for alice, paul (care team) and dana (director).
"""

from django.utils import timezone

from openiop.api.tests.walk import Op, expect

from .factories import active_episode
from .routes import discharge_a

READERS = {"alice", "paul", "ivan", "dana", "audrey"}
MANAGERS = {"alice", "paul", "dana"}


def _fresh_episode(w):
    """patient_a's active episode without a discharge (each role's start is tried on a clean one)."""
    episode = active_episode(w.patient_a)
    if hasattr(episode, "discharge"):
        episode.discharge.delete()
    return episode


OPERATIONS = {
    "GET /episodes/{episode_uuid}/discharge": Op(
        lambda w: f"/api/v1/episodes/{discharge_a(w).episode.uuid}/discharge", expect(READERS)
    ),
    "POST /episodes/{episode_uuid}/discharge": Op(
        lambda w: f"/api/v1/episodes/{_fresh_episode(w).uuid}/discharge",
        expect(MANAGERS, ok=201),
        lambda w: {"reason": "completed", "planned_on": timezone.localdate().isoformat()},
    ),
    "POST /discharges/{discharge_uuid}/aftercare": Op(
        lambda w: f"/api/v1/discharges/{discharge_a(w).uuid}/aftercare",
        expect(MANAGERS, ok=201),
        lambda w: {
            "starts_at": (timezone.now() + timezone.timedelta(days=3)).isoformat(),
            "purpose": "Outpatient therapy",
            "provider_name": "Dr. Synthetic",
            "is_telehealth": True,
        },
    ),
    "POST /discharges/{discharge_uuid}/waivers": Op(
        lambda w: f"/api/v1/discharges/{discharge_a(w).uuid}/waivers",
        expect(MANAGERS, ok=201),
        lambda w: {"requirement": "support_groups", "reason": "Declined every group offered"},
    ),
    # Not ready: the allowed roles get the 422 listing the missing parts.
    "POST /discharges/{discharge_uuid}/close": Op(
        lambda w: f"/api/v1/discharges/{discharge_a(w).uuid}/close",
        expect(MANAGERS, ok=422),
        lambda w: {"on": timezone.localdate().isoformat()},
    ),
}
