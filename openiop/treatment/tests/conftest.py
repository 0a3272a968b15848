from openiop.api.tests.conftest import api_client  # noqa: F401  (the API tests' bearer-token client)
