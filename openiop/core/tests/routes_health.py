"""Liveness and readiness in the role walk (core/tests/test_role_walk.py merges this table): public, so
every role, signed in or not, gets an answer."""

from openiop.core.tests.roles import ROLES, only

ROUTES = {
    "health:healthz": ("get", lambda w: {}, only(*ROLES)),
    "health:readyz": ("get", lambda w: {}, only(*ROLES)),
}
