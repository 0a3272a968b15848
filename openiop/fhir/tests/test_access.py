"""Every FHIR route as every role with a bearer token: the same outcomes as the session walk (routes.py),
since both go through the same policies. Refusals show no PHI."""

import pytest
from django.urls import reverse

from openiop.core.tests.roles import ALLOW, REFUSE, ROLES

from .routes import ROUTES

pytestmark = pytest.mark.django_db


def outcome(response) -> str:
    if response.status_code == 403:
        return REFUSE
    if response.status_code < 300:
        return ALLOW
    return f"status {response.status_code}"


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_route_as_role_with_a_token(route, role, world, fhir_as):
    method, kwargs, expected = ROUTES[route]
    client = fhir_as(None if role == "anonymous" else getattr(world, role))
    response = getattr(client, method)(reverse(route, kwargs=kwargs(world)))
    got = outcome(response)
    assert got == expected[role], f"{role} on {route}: expected {expected[role]}, got {got}"
    assert response["Content-Type"].startswith("application/fhir+json")
    if got != ALLOW:
        body = response.content.decode()
        for secret in (
            world.patient_a.legal_given_name,
            world.patient_a.record_number,
            str(world.patient_a.date_of_birth),
        ):
            assert secret not in body, f"refusal of {route} to {role} shows {secret!r}"
