"""Compliance lists in the role walk (core/tests/test_role_walk.py merges this table).

Directors (the programs they work in) and auditors (every program, record numbers only) open them and
export the CSV; everyone else is refused. A director asking for a program they do not work in is refused
too (openiop/operations/tests/test_compliance_views.py: the walk passes no query string).
"""

from openiop.core.tests.roles import only

ROUTES = {
    "operations:compliance": ("get", lambda w: {}, only("dana", "audrey")),
    "operations:compliance_export": ("get", lambda w: {}, only("dana", "audrey")),
}
