"""Authorization with ids nobody was given (issue 11, item 1): every page and API operation that names an
object by id, asked with hypothesis-generated UUIDs and with other patients' real ids.

Generated ids, asked by a director with broad rights (dana) and by a patient (pat_a): never served (no
2xx) and never a 500; a 404, or the refusal the route's rules give that role before any lookup (403 for
a page, 401/403 for FHIR and the API). Real ids of someone else: the walk's objects (patient_a's, program
A's) asked by another patient (pat_b) and by a clinician of the other program (charlie), where the walk
refuses them; and program B's patient_c (or program B itself) put in place of patient_a's ids, asked by
dana and pat_a. Each is refused (or not found) and the answer shows none of the other patient's name,
record number or date of birth.

The routes come from the role walk's tables (core/tests/test_role_walk.py and each app's routes*.py; the
API's walk and each app's api_operations*.py), so a new route is probed here without editing this file.
"""

import re
import uuid

import pytest
from django.test import Client
from django.urls import get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openiop.accounts.services import token_create
from openiop.api.tests import test_role_walk as api_walk
from openiop.core.tests import test_role_walk as page_walk

from .roles import ALLOW, BTG, REFUSE
from .test_url_policies import walk

# The role walk's world (a referral, a document, a task, a session, a feed...), so every URL builds.
walked = page_walk.walked
_quick_planning = api_walk._quick_planning

PAGES = page_walk.ROUTES
OPERATIONS = api_walk.OPERATIONS
PATTERNS = {name: route for route, _, name in walk(get_resolver().url_patterns)}
# FHIR ids are our UUIDs written out (fhir/urls.py's `fhirid` converter).
# Questionnaire ids are instrument codes ("phq-9"), a catalogue of no one's record.
CATALOGUES = {"fhir:questionnaire_read"}
ID_PAGES = sorted(
    name for name in PAGES if re.search(r"<(uuid|fhirid):", PATTERNS.get(name, "")) and name not in CATALOGUES
)
ID_OPERATIONS = sorted(name for name in OPERATIONS if "{" in name)
PROBES = settings(
    max_examples=5,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FHIR = "application/fhir+json"


def as_uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def object_id(value) -> tuple[uuid.UUID, int | None] | None:
    """A UUID, or FHIR's id of a booking (an Appointment or Encounter): the session's UUID "." the
    attendee's key."""
    head, dot, tail = str(value).partition(".")
    found = as_uuid(head)
    if found is None or (dot and not tail.isdigit()):
        return None
    return found, int(tail) if dot else None


def generated_ids(real: dict, named: list[str], generated: list[uuid.UUID], number: int) -> list[dict]:
    """Every named id replaced by a generated UUID; and, for a booking's id, the real session with a
    generated attendee key (someone else's booking in the same session is not theirs either)."""
    variants = [{}]
    for key, fresh in zip(named, generated, strict=True):
        _, key_part = object_id(real[key])
        variants[0][key] = fresh if key_part is None else f"{fresh}.{key_part}"
        if key_part is not None and number != key_part:
            variants.append({key: f"{object_id(real[key])[0]}.{number}"})
    return variants


def secrets_of(patient) -> tuple[str, ...]:
    return (patient.legal_given_name, patient.record_number, str(patient.date_of_birth))


def assert_no_phi(response, patient, where: str) -> None:
    body = response.content.decode(errors="replace")
    for secret in secrets_of(patient):
        assert secret not in body, f"{where} shows {secret!r}"


def page_request(client, route: str, url: str):
    """The walk's method; FHIR pages are asked as FHIR, and a POST as the walk posts it (empty)."""
    method = PAGES[route][0]
    headers = {"Accept": FHIR} if route.startswith("fhir:") else {}
    return getattr(client, method)(url, headers=headers)


def login_url() -> str:
    return reverse("account_login")


def is_refusal(response) -> bool:
    """403, 404, 401 (FHIR), or a redirect to sign in or to break the glass; never served."""
    if response.status_code in (401, 403, 404):
        return True
    if response.status_code in (301, 302):
        location = response["Location"]
        return location.startswith(login_url()) or "/break-glass/" in location
    return False


def other_programs_ids(w) -> dict[uuid.UUID, uuid.UUID]:
    """patient_a's and program A's ids -> patient_c's and program B's: the same kind of object, elsewhere."""
    return {
        w.patient_a.uuid: w.patient_c.uuid,
        w.patient_a.episodes.get(status="active").uuid: w.patient_c.episodes.get().uuid,
        w.program_a.uuid: w.program_b.uuid,
    }


# --- Pages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ID_PAGES)
def test_a_page_asked_for_a_generated_id_is_not_found_never_served(route, walked):
    _, kwargs, expected = PAGES[route]
    real = kwargs(walked)
    named = sorted(key for key, value in real.items() if object_id(value) is not None)
    assert named, f"{route} names no object by id"
    clients = {}
    for role in ("dana", "pat_a"):
        clients[role] = Client()
        clients[role].force_login(getattr(walked, role))

    @PROBES
    @given(st.lists(st.uuids(), min_size=len(named), max_size=len(named)), st.integers(1, 10**9))
    def probe(generated, number):
        for variant in generated_ids(real, named, generated, number):
            url = reverse(route, kwargs={**real, **variant})
            for role, client in clients.items():
                response = page_request(client, route, url)
                # A role the route refuses may be refused before the lookup; everyone else finds nothing.
                allowed = {404} if expected[role] in (ALLOW, BTG) else {401, 403, 404}
                if route.startswith("fhir:"):
                    allowed |= {401, 403}
                assert response.status_code in allowed, f"{role} on {url}: {response.status_code}"
                assert_no_phi(response, walked.patient_a, f"{route} for {role}")

    probe()


@pytest.mark.parametrize("route", ID_PAGES)
def test_a_page_with_someone_elses_real_id_is_refused_without_their_phi(route, walked):
    """patient_a's objects to another patient and to the other program's clinician (where the walk refuses
    them), then patient_c's and program B's ids in their place to dana and pat_a."""
    _, kwargs, expected = PAGES[route]
    real = kwargs(walked)
    url = reverse(route, kwargs=real)
    client = Client()
    for role in ("pat_b", "charlie"):
        if expected[role] != REFUSE:
            continue  # the walk lets them in (a room's calendar, say): not someone else's record
        client.force_login(getattr(walked, role))
        response = page_request(client, route, url)
        assert is_refusal(response), f"{role} on {url}: {response.status_code}"
        assert_no_phi(response, walked.patient_a, f"{route} for {role}")
    swap = other_programs_ids(walked)
    elsewhere = {key: swap.get(as_uuid(value), value) for key, value in real.items()}
    if elsewhere == real:
        return  # names nothing of a patient or a program directly
    url = reverse(route, kwargs=elsewhere)
    for role in ("dana", "pat_a"):
        client.force_login(getattr(walked, role))
        response = page_request(client, route, url)
        assert is_refusal(response), f"{role} on {url}: {response.status_code}"
        assert_no_phi(response, walked.patient_c, f"{route} of patient_c for {role}")


# --- The API -------------------------------------------------------------------------------------------


def bearer_client(user) -> Client:
    _, raw = token_create(user=user, name="generated ids")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def call(client, operation: str, url: str, body):
    method = operation.split()[0]
    if method == "GET":
        return client.get(url)
    return client.generic(
        method, url, "{}" if body is None else json_dumps(body), content_type="application/json"
    )


def json_dumps(body) -> str:
    import json

    return json.dumps(body, default=str)


def fill(path: str, generated: list[uuid.UUID]) -> str:
    names = re.findall(r"\{(\w+)\}", path)
    for name, value in zip(names, generated, strict=True):
        path = path.replace("{" + name + "}", str(value))
    return path


@pytest.mark.parametrize("operation", ID_OPERATIONS)
def test_an_api_call_with_a_generated_id_is_not_found_never_served(operation, world):
    walk_ = OPERATIONS[operation]
    real_url = walk_.url(world)  # may create what it names; the body may name it too
    body = walk_.body(world) if walk_.body else None
    query = real_url.partition("?")[2]
    path = "/api/v1" + operation.split(" ", 1)[1]
    clients = {role: bearer_client(getattr(world, role)) for role in ("dana", "pat_a")}
    count = path.count("{")

    @PROBES
    @given(st.lists(st.uuids(), min_size=count, max_size=count))
    def probe(generated):
        url = fill(path, generated) + (f"?{query}" if query else "")
        for role, client in clients.items():
            response = call(client, operation, url, body)
            allowed = {404} if walk_.expected[role] < 400 else {walk_.expected[role], 404}
            assert response.status_code in allowed, f"{role} on {url}: {response.status_code}"
            assert response["Content-Type"] == "application/problem+json"
            assert_no_phi(response, world.patient_a, f"{operation} for {role}")

    probe()


@pytest.mark.parametrize("operation", ID_OPERATIONS)
def test_an_api_call_with_another_programs_real_id_is_refused_without_phi(operation, world):
    """patient_c's (program B's) ids where the walk names patient_a's (program A's), as dana and pat_a."""
    walk_ = OPERATIONS[operation]
    real_url = walk_.url(world)
    body = walk_.body(world) if walk_.body else None
    swap = {str(old): str(new) for old, new in other_programs_ids(world).items()}
    url = real_url
    for old, new in swap.items():
        url = url.replace(old, new)
    if url == real_url:
        return  # names nothing of a patient or a program
    for role in ("dana", "pat_a"):
        response = call(bearer_client(getattr(world, role)), operation, url, body)
        assert response.status_code in (403, 404), f"{role} on {url}: {response.status_code}"
        assert_no_phi(response, world.patient_c, f"{operation} of patient_c for {role}")
