"""A NUL character in a query string or an API/FHIR JSON body is refused with 400, in each surface's own
error format, before any view (PostgreSQL cannot hold one: it would be a 500)."""

import json

import pytest
from django.urls import reverse

from openiop.intake.models import Referral

from .test_intake_referrals import REFERRALS, new_referral


def test_a_page_refuses_a_nul_in_the_query(world, client_for):
    response = client_for(world.alice).get(reverse("patients:list") + "?q=Av%00ery")
    assert response.status_code == 400 and b"NUL" in response.content


def test_the_api_answers_problem_details(world, api_client):
    response = api_client(world.ivan).get("/api/v1/patients?q=%00")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"


def test_fhir_answers_an_operation_outcome(world, api_client):
    response = api_client(world.alice).get("/fhir/r4/Patient?name=a%00b")
    assert response.status_code == 400 and json.loads(response.content)["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    ("reason", "refused"),
    [("Panic\\u0000attacks", True), ("Panic\\\\u0000 is text", False), ("Plain", False)],
    ids=["escaped-nul", "literal-backslash-u0000", "plain"],
)
def test_a_json_body_with_an_escaped_nul_is_refused_and_nothing_is_written(
    world, api_client, reason, refused
):
    body = json.dumps(new_referral(world)).replace('"Panic attacks, missing work."', f'"{reason}"')
    response = api_client(world.ivan).post(REFERRALS, body, content_type="application/json")
    if refused:
        assert response.status_code == 400 and not Referral.objects.exists()
    else:
        assert response.status_code == 201


def test_an_ordinary_query_is_untouched(world, client_for):
    assert client_for(world.alice).get(reverse("patients:list") + "?q=Avery%20S").status_code == 200
