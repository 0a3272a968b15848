"""The walk's rows for incoming referrals (POST /Bundle) and Patient/$everything.

The walk posts an empty form: FHIR negotiates the content type before anything else, so every caller,
anonymous included, is answered 415. Who may post a referral (with a token) is in test_referrals_inbound.py.
"""

from openiop.core.tests.roles import ROLES

from .routes import CHART_READERS, walk_table

ROUTES = {
    "fhir:patient_everything": (
        "get",
        lambda w: {"resource_id": w.patient_a.uuid},
        walk_table(*CHART_READERS),
    ),
    "fhir:bundle_type": ("post", lambda w: {}, {role: "status 415" for role in ROLES}),
}
