"""The utilization operations in the API role walk (api/tests/test_role_walk.py).

As the pages (routes_utilization.py): reading follows the chart (bob would need break-the-glass, which
the API does not offer) plus auditors; recording is for alice, paul (care team), ivan and dana (program).
"""

import datetime

from django.utils import timezone

from openiop.api.tests.walk import Op, expect

from .factories import active_episode

READERS = {"alice", "paul", "ivan", "dana", "audrey"}
MANAGERS = {"alice", "paul", "ivan", "dana"}


def _body(w):
    today = timezone.localdate()
    return {
        "payer": "Synthetic Health Plan",
        "number": "API-1",
        "unit": "hours",
        "authorized": "36",
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=28)).isoformat(),
    }


OPERATIONS = {
    "GET /episodes/{episode_uuid}/authorizations": Op(
        lambda w: f"/api/v1/episodes/{active_episode(w.patient_a).uuid}/authorizations", expect(READERS)
    ),
    "POST /episodes/{episode_uuid}/authorizations": Op(
        lambda w: f"/api/v1/episodes/{active_episode(w.patient_a).uuid}/authorizations",
        expect(MANAGERS, ok=201),
        _body,
    ),
}
