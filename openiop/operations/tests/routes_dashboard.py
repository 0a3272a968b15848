"""The director's dashboard in the role walk (core/tests/test_role_walk.py merges this table).

Directors (their programs) and auditors (every program, read-only) are let in; everyone else is refused.
Without filters each page uses the default ones (the people lists go back to the dashboard).
"""

from openiop.core.tests.roles import only

DASHBOARD = only("dana", "audrey")

ROUTES = {
    "operations:dashboard": ("get", lambda w: {}, DASHBOARD),
    "operations:people": ("get", lambda w: {}, DASHBOARD),
    "operations:people_export": ("get", lambda w: {}, DASHBOARD),
    "operations:export": ("get", lambda w: {"table": "census"}, DASHBOARD),
    "operations:report": ("get", lambda w: {}, DASHBOARD),
}
