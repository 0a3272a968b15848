import pytest
from django.test import Client

from openiop.accounts.services import token_create

FHIR = "application/fhir+json"


class FhirClient:
    """A test client speaking FHIR with a bearer token (no session)."""

    def __init__(self, raw_token: str | None):
        self.client = Client()
        self.headers = {"Accept": FHIR, **({"Authorization": f"Bearer {raw_token}"} if raw_token else {})}

    def get(self, url, data=None, **headers):
        return self.client.get(url, data, headers={**self.headers, **headers})

    def post(self, url, body, content_type=FHIR, **headers):
        import json

        payload = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.client.post(url, payload, content_type=content_type, headers={**self.headers, **headers})


@pytest.fixture
def fhir_as(world):
    """`fhir_as(user)`: a FHIR client holding a fresh token of `user`; `fhir_as(None)`: no token."""

    def build(user):
        if user is None:
            return FhirClient(None)
        _, raw = token_create(user=user, name="fhir test")
        return FhirClient(raw)

    return build
