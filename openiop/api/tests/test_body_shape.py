"""A JSON body that is not an object is a 400 problem that says so, and nothing is written
(api/parser.py). Every write operation is walked with such bodies in core/tests/test_bad_input.py."""

import json

import pytest

from openiop.intake.models import Referral

from .test_intake_referrals import REFERRALS


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("[]", "The request body must be a JSON object ({...}), not a list."),
        ("null", "The request body must be a JSON object ({...}), not null."),
        ('"text"', "The request body must be a JSON object ({...}), not a string."),
        ("3.5", "The request body must be a JSON object ({...}), not a number."),
        ("true", "The request body must be a JSON object ({...}), not true or false."),
        ("{", "The request body is not valid JSON."),
        (b"\xff\xfe", "The request body is not valid JSON."),
    ],
    ids=["list", "null", "string", "number", "boolean", "broken", "not-utf8"],
)
def test_a_body_that_is_not_an_object_is_refused_with_a_clear_problem(world, api_client, body, detail):
    response = api_client(world.ivan).post(REFERRALS, body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["detail"] == detail
    assert not Referral.objects.exists()


def test_an_object_body_is_still_read(world, api_client):
    response = api_client(world.ivan).post(REFERRALS, "{}", content_type="application/json")
    assert response.status_code == 422  # the referral's required fields are named, not a parse error
