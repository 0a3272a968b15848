"""The portal's "family" pages in the role walk (core/tests/test_role_walk.py).

The patient's own list of family grants: patients with a record. Accepting a family invitation is public
(an unknown token shows the neutral page to everyone). The family view needs a FAMILY user with a grant in
force; the walk has none, so every walk role is refused (test_family.py signs in a family user). Revoking
names a grant of patient_a: another patient's grant is not found (404).
"""

from openiop.core.tests.roles import ROLES, only


def _grant_of_a(w):
    from openiop.invitations.family import family_grant_create

    grant, _raw = family_grant_create(
        patient=w.patient_a,
        by=w.pat_a,
        name="Jordan Synthetic",
        relationship="sibling",
        email="jordan.walk@example.invalid",
        consented=True,
        typed_name=w.patient_a.legal_name,
    )
    return {"grant_uuid": grant.uuid}


ROUTES = {
    "portal:family": ("get", lambda w: {}, only("pat_a", "pat_b")),
    "portal:family_revoke": ("post", _grant_of_a, only("pat_a", pat_b="status 404")),
    "portal:family_accept": ("get", lambda w: {"token": "not-a-real-token"}, only(*ROLES)),
    "portal:family_view": ("get", lambda w: {}, only()),
}
