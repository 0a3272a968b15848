"""No portal page shows one patient anything of another: every portal URL of the role walk, requested by
pat_b with the walk's arguments (which name patient_a's objects where a URL takes one), answers without
patient_a's name, record number or date of birth, whatever its status. The API side is the API role walk
(openiop/api/tests/test_role_walk.py), which refuses every operation to patients without PHI."""

import pytest
from django.urls import reverse

from openiop.core.tests.roles import app_tables
from openiop.core.tests.test_role_walk import walked  # noqa: F401 (the walk's world, as a fixture)

pytestmark = pytest.mark.django_db
PORTAL = {name: row for name, row in app_tables("routes", "ROUTES").items() if name.startswith("portal:")}


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("name", sorted(PORTAL))
def test_another_patient_never_sees_patient_a_through_a_portal_url(name, walked, client_for):  # noqa: F811
    method, kwargs, _expected = PORTAL[name]
    client = client_for(walked.pat_b)
    response = getattr(client, method)(reverse(name, kwargs=kwargs(walked)))
    body = _body(response).decode("utf-8", errors="replace")
    patient_a, patient_b = walked.patient_a, walked.patient_b
    secrets = [patient_a.legal_given_name, patient_a.record_number]
    if patient_a.date_of_birth != patient_b.date_of_birth:  # the test people may share a birthday
        secrets.append(patient_a.date_of_birth.isoformat())
    for secret in secrets:
        assert secret not in body, f"{name} showed {secret!r} of patient_a to pat_b ({response.status_code})"


def test_every_portal_page_is_in_the_isolation_walk():
    from django.urls import get_resolver

    names = {
        f"portal:{name}"
        for name in get_resolver().namespace_dict["portal"][1].reverse_dict
        if isinstance(name, str)
    }
    assert names <= set(PORTAL), sorted(names - set(PORTAL))
