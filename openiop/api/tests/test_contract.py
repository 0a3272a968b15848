"""The API as a whole: every operation has a policy and authentication; the OpenAPI document is served."""

import json

import pytest
from django.test import RequestFactory

from openiop.api.api import api
from openiop.api.problems import PROBLEM_CONTENT_TYPE


def operations():
    """Every operation as served: ninja binds each router (api._routers) to the API, with its auth."""
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            for operation in path_view.operations:
                yield f"{bound.prefix}{path}", operation


def test_the_api_has_operations():
    assert len(list(operations())) >= 3


@pytest.mark.parametrize(
    "path,operation", list(operations()), ids=lambda value: value if isinstance(value, str) else ""
)
def test_every_operation_declares_an_access_policy_and_needs_a_token(path, operation):
    assert getattr(operation.view_func, "access_policy", None), (
        f"{operation.methods} {path} has no api_policy"
    )
    assert operation.auth_callbacks, f"{operation.methods} {path} is reachable without a token"


def test_openapi_document_is_valid_json_listing_the_routes(db, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert {"/api/v1/me", "/api/v1/patients", "/api/v1/patients/{patient_uuid}"} <= document["paths"].keys()
    assert document["components"]["securitySchemes"]["PersonalAccessTokenAuth"]["scheme"] == "bearer"
    assert "403" in document["paths"]["/api/v1/patients/{patient_uuid}"]["get"]["responses"]


def test_interactive_docs_are_off_because_they_need_a_cdn(db, client):
    assert client.get("/api/v1/docs").status_code == 404


def test_unexpected_errors_become_500_problems_without_internals():
    handler = api._lookup_exception_handler(RuntimeError("database password is hunter2"))
    request = RequestFactory().get("/api/v1/me")
    response = handler(request, RuntimeError("database password is hunter2"))
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert "hunter2" not in response.content.decode()


def test_an_unknown_api_address_answers_with_a_problem_document(client, db):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404
