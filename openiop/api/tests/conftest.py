import pytest

from openiop.accounts.services import token_create


@pytest.fixture
def api_client(client):
    """`api_client(user)` returns a test client whose requests carry a fresh bearer token of `user`."""

    def for_user(user):
        _, raw = token_create(user=user, name="test")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return for_user
