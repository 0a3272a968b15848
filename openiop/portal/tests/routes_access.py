"""The portal's "access" pages in the role walk (core/tests/test_role_walk.py).

Inviting patient_a: the care team's clinician and psychiatrist (alice, paul), the program's intake
coordinator and director (ivan, dana); bob is in the program but not on the care team. Accepting is public
(an unknown token shows the neutral page to everyone). Settings: patients with a record.
"""

from openiop.core.tests.roles import ROLES, only

ROUTES = {
    "portal:invite_create": (
        "get",
        lambda w: {"patient_uuid": w.patient_a.uuid},
        only("alice", "paul", "ivan", "dana"),
    ),
    "portal:invite_accept": ("get", lambda w: {"token": "not-a-real-token"}, only(*ROLES)),
    "portal:settings": ("get", lambda w: {}, only("pat_a", "pat_b")),
}
