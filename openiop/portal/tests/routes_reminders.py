"""The portal's reminder settings in the role walk: only the signed-in patient, about their own record."""

from openiop.core.tests.roles import only

ROUTES = {
    "portal:reminder_settings": ("get", lambda w: {}, only("pat_a", "pat_b")),
}
