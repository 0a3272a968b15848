"""The OpenAPI document describes what the API sends: faults schemathesis found (test_schemathesis.py)."""

import json
from collections import Counter

import pytest
from ninja import Schema

from openiop.api.problems import PROBLEM_CONTENT_TYPE

DOCUMENT = "/api/v1/openapi.json"


def _no_duplicate_members(pairs):
    counts = Counter(key for key, _ in pairs)
    duplicates = [key for key, count in counts.items() if count > 1]
    assert not duplicates, f"members named twice: {duplicates}"
    return dict(pairs)


@pytest.fixture
def document(db, client):
    response = client.get(DOCUMENT)
    assert response.status_code == 200
    return json.loads(response.content, object_pairs_hook=_no_duplicate_members)


def _operations(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_two_schemas_share_a_name_in_the_document(document):
    """Ninja files each schema under its class name: a second class of that name silently replaced the
    first, so treatment plans were documented as safety plans (and notes' sections as instruments')."""
    named = {}
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("openiop.") and cls.__name__ in document["components"]["schemas"]:
            named.setdefault(cls.__name__, set()).add(f"{cls.__module__}.{cls.__qualname__}")
    shared = {name: sorted(where) for name, where in named.items() if len(where) > 1}
    assert not shared


def test_treatment_and_safety_plans_have_their_own_schemas(document):
    ref = "#/components/schemas/"
    plan = document["paths"]["/api/v1/treatment-plans/{plan_uuid}"]["get"]["responses"]["200"]
    safety = document["paths"]["/api/v1/safety/plans/{plan_uuid}"]["get"]["responses"]["200"]
    assert plan["content"]["application/json"]["schema"]["$ref"] == ref + "PlanOut"
    assert safety["content"]["application/json"]["schema"]["$ref"] == ref + "SafetyPlanOut"
    assert "kind" not in document["components"]["schemas"]["PlanOut"]["properties"]


def test_every_error_response_is_documented_as_a_problem_document(document):
    for label, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == [PROBLEM_CONTENT_TYPE], f"{label} {status}"


def test_every_operation_documents_the_400_of_a_body_it_cannot_read(document):
    assert [label for label, operation in _operations(document) if "400" not in operation["responses"]] == []


def test_a_body_that_is_not_an_object_gets_the_documented_400(world, api_client, document):
    response = api_client(world.ivan).post("/api/v1/referrals", "[]", content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert "400" in document["paths"]["/api/v1/referrals"]["post"]["responses"]


def test_the_pocket_pdf_is_documented_once_as_a_pdf(document):
    responses = document["paths"]["/api/v1/safety/plans/{plan_uuid}/pdf"]["get"]["responses"]
    assert list(responses["200"]["content"]) == ["application/pdf"]


def test_times_of_day_are_documented_as_local_times(world, document):
    """A session's start is sent as "09:00:00", without an offset: RFC 3339 partial-time, not "time"."""
    assert '"format": "time"' not in json.dumps(document)
    start = document["components"]["schemas"]["SessionOut"]["properties"]["start_time"]
    assert start["format"] == "partial-time"
