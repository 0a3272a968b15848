"""Every API operation as every role, the API's counterpart of core/tests/test_role_walk.py.

Adding an operation means adding it here (the last test). Refusals carry no PHI.
"""

import pytest

from openiop.api.api import api

ROLES = ["anonymous", "pat_a", "pat_b", "alice", "bob", "paul", "ivan", "dana", "charlie", "audrey", "adam"]
CLINICAL = {"alice", "bob", "paul", "ivan", "dana", "charlie"}


def expect(allowed, **special):
    table = {role: (200 if role in allowed else 403) for role in ROLES}
    table["anonymous"] = 401
    table.update(special)
    return table


# operation path -> (url builder, expected status by role)
OPERATIONS = {
    "/me": (lambda w: "/api/v1/me", expect(set(ROLES))),
    "/patients": (lambda w: "/api/v1/patients", expect(CLINICAL)),
    "/patients/{patient_uuid}": (
        lambda w: f"/api/v1/patients/{w.patient_a.uuid}",
        expect({"alice", "paul", "ivan", "dana"}),
    ),
}


@pytest.mark.parametrize("path", sorted(OPERATIONS))
@pytest.mark.parametrize("role", ROLES)
def test_operation_as_role(path, role, world, client, api_client):
    url_for, expected = OPERATIONS[path]
    if role != "anonymous":
        client = api_client(getattr(world, role))
    response = client.get(url_for(world))
    assert response.status_code == expected[role], f"{role} on {path}"
    if response.status_code != 200:
        body = response.content.decode()
        assert response["Content-Type"] == "application/problem+json"
        for secret in ("Avery", world.patient_a.record_number, str(world.patient_a.date_of_birth)):
            assert secret not in body


def test_the_list_shows_each_clinician_only_their_programs(world, api_client):
    names = {
        item["legal_family_name"] + item["legal_given_name"]
        for item in api_client(world.charlie).get("/api/v1/patients").json()["items"]
    }
    assert names == {"SyntheticCasey"}


def test_every_api_operation_is_walked():
    served = {path for router in api._get_bound_routers() for path in router.path_operations}
    assert served == set(OPERATIONS), f"walk these too: {sorted(served - set(OPERATIONS))}"
