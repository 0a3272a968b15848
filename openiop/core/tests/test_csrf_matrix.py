"""CSRF on every state change (issue 11, item 4): every URL of the project, POSTed by someone allowed to
use it from a browser session without the CSRF token, is refused 403 and changes nothing.

The pages come from the role walk's table (core/tests/test_role_walk.py, with each app's routes*.py), each
POSTed as the first role the walk lets in; allauth's and the admin's pages straight from the URL map. FHIR
checks the token itself for session writes (fhir/http.py), so it is POSTed (or PUT) as JSON. The JSON API
and FHIR are CSRF-exempt because they authenticate with bearer tokens, which a browser does not attach on
its own: the API's half of the matrix proves that a session cookie alone is refused 401 there, reads and
writes alike, so a forged cross-site request has nothing to ride on.
"""

import json
import re
import uuid

import pytest
from django.apps import apps
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import get_resolver, resolve, reverse

from openiop.api.tests import test_role_walk as api_walk
from openiop.core.tests import test_role_walk as page_walk

from .roles import ALLOW, BTG, REFUSE, ROLES
from .test_url_policies import walk

# The role walk's world (a referral, a document, a task, a session, a feed...), so every URL builds.
walked = page_walk.walked

PAGES = page_walk.ROUTES
OPERATIONS = api_walk.OPERATIONS
FHIR_JSON = "application/fhir+json"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# A signed-in request renews its session once a minute (accounts/middleware.py), a refused one included;
# that is not a change of anyone's data.
VOLATILE_TABLES = {"django_session"}


def database_state() -> dict[str, list]:
    """Every row of every table the project owns, so a refused request provably changed nothing."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy or meta.db_table in VOLATILE_TABLES:
            continue
        columns = [field.attname for field in meta.concrete_fields]
        state[meta.db_table] = list(model._base_manager.order_by("pk").values_list(*columns))
    return state


def assert_unchanged(before: dict, after: dict, where: str) -> None:
    changed = sorted(table for table in before if before[table] != after[table])
    assert not changed, f"{where} changed {changed} without a CSRF token"


def is_csrf_refusal(response) -> bool:
    """Django's CSRF failure page, not the access policy's 403 (whose base template names the CSRF header)."""
    return response.status_code == 403 and b"CSRF verification failed" in response.content


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def allowed_role(expected: dict) -> str:
    """The first signed-in role the walk lets in (or sends to break the glass, or answers otherwise than
    with a refusal): a 403 for them is the CSRF check's, not the access policy's (is_csrf_refusal also
    reads the reason)."""
    signed_in = [role for role in ROLES if role != "anonymous"]
    for wanted in (ALLOW, BTG):
        for role in signed_in:
            if expected[role] == wanted:
                return role
    # Refused to every walked role (a family member's page): the CSRF check, before the view, still answers.
    return next((role for role in signed_in if expected[role] != REFUSE), signed_in[0])


# --- The pages: every route of the role walk -----------------------------------------------------------


@pytest.mark.parametrize("route", sorted(name for name in PAGES if not name.startswith("fhir:")))
def test_a_page_post_without_the_csrf_token_is_refused_and_changes_nothing(route, walked):
    _, kwargs, expected = PAGES[route]
    client = csrf_client(getattr(walked, allowed_role(expected)))
    url = reverse(route, kwargs=kwargs(walked))
    before = database_state()
    response = client.post(url, {"reason": "forged", "title": "forged", "name": "forged"})
    assert is_csrf_refusal(response), f"{route}: {response.status_code} {response.content[:200]!r}"
    assert_unchanged(before, database_state(), route)


@pytest.mark.parametrize(
    "route",
    sorted(name for name, (method, _, _) in PAGES.items() if method == "post" and "fhir:" not in name),
)
def test_the_same_post_with_the_token_passes_the_check(route, walked):
    """The control: the walk's POST routes accept an allowed user's request once the token is sent, so the
    refusals above are the CSRF check's doing."""
    _, kwargs, expected = PAGES[route]
    client = csrf_client(getattr(walked, allowed_role(expected)))
    token = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    response = client.post(reverse(route, kwargs=kwargs(walked)), headers={"X-CSRFToken": token})
    assert not is_csrf_refusal(response), route
    assert response.status_code < 500


@pytest.mark.parametrize("route", sorted(name for name in PAGES if name.startswith("fhir:")))
def test_a_fhir_session_write_without_the_csrf_token_is_refused(route, walked):
    """Each interaction that writes (by its Allow header) refuses a session without the token; one that
    only reads answers 405 to a write, whoever asks."""
    _, kwargs, expected = PAGES[route]
    client = csrf_client(getattr(walked, allowed_role(expected)))
    url = reverse(route, kwargs=kwargs(walked))
    before = database_state()
    response = client.generic("POST", url, "{}", content_type=FHIR_JSON)
    writes = ["POST"]
    if response.status_code == 405:
        writes = [m.strip() for m in response["Allow"].split(",") if m.strip() in UNSAFE]
    for method in writes:
        response = client.generic(method, url, "{}", content_type=FHIR_JSON)
        assert response.status_code == 403, f"{method} {route}: {response.status_code}"
        assert "CSRF token" in response.content.decode(), f"{method} {route}: {response.content[:200]!r}"
    assert_unchanged(before, database_state(), route)


# --- Every other URL pattern: allauth, the admin, the API's documents and its unknown-route answer ------


def sample_url(route: str) -> str:
    """A URL the pattern resolves: converters and named groups filled with a plausible value (the CSRF
    check runs before the view, so whether the object exists does not matter)."""
    url = route.replace("^", "").replace("$", "")
    # A group that is an alternation of names (the admin's app list) takes the first; any other, "1".
    url = re.sub(r"\(\?P<\w+>([\w|]+)\)", lambda m: m.group(1).split("|")[0], url)
    url = re.sub(r"\(\?P<\w+>[^)]*\)", "1", url)
    url = re.sub(r"<(?:\w+:)?\w+>", "1", url)
    return "/" + url


OTHER_PATTERNS = sorted(
    (route, name)
    for route, callback, name in walk(get_resolver().url_patterns)
    if name not in PAGES and not callback.__module__.startswith("ninja.")
)


@pytest.mark.parametrize(("route", "name"), OTHER_PATTERNS, ids=[route for route, _ in OTHER_PATTERNS])
def test_every_other_url_refuses_a_post_without_the_csrf_token(route, name, world):
    url = sample_url(route)
    assert resolve(url).route.replace("^", "") == route.replace("^", ""), f"{url} is not {route}"
    # The admin is for administrators; allauth's pages (sign-in, sign-out, password, MFA) for anyone.
    client = csrf_client(world.adam if route.startswith("admin/") else world.alice)
    before = database_state()
    response = client.post(url, {"password": "forged", "login": "alice"})
    assert is_csrf_refusal(response), f"{url}: {response.status_code}"
    assert_unchanged(before, database_state(), url)


def test_the_matrix_covers_every_url_pattern():
    """Every pattern of the URL map is in one of the three halves of the matrix."""
    every = {(route, name) for route, _, name in walk(get_resolver().url_patterns)}
    ninja = {
        (route, name)
        for route, callback, name in walk(get_resolver().url_patterns)
        if callback.__module__.startswith("ninja.")
    }
    paged = {(route, name) for route, name in every if name in PAGES}
    assert every == paged | ninja | set(OTHER_PATTERNS)
    assert len(ninja) == len(OPERATIONS), "an API operation is missing from the API walk"


# --- The API: a session cookie is not a credential -----------------------------------------------------


def allowed_api_role(expected: dict) -> str:
    """The first role the API walk serves (or answers otherwise than 401/403, e.g. 409 for a discharge that
    cannot close yet)."""
    signed_in = [role for role in ROLES if role != "anonymous"]
    served = [role for role in signed_in if expected[role] < 400]
    return (served or [role for role in signed_in if expected[role] not in (401, 403)])[0]


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_an_api_call_with_only_a_session_cookie_is_refused_401(operation, world):
    walk_ = OPERATIONS[operation]
    method = operation.split()[0]
    client = csrf_client(getattr(world, allowed_api_role(walk_.expected)))
    url = walk_.url(world)
    body = walk_.body(world) if walk_.body else None  # may create what it names, as the URL may
    before = database_state()
    if method == "GET":
        response = client.get(url)
    else:
        response = client.generic(
            method,
            url,
            "" if body is None else json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
    assert response.status_code == 401, f"{operation}: {response.status_code} {response.content[:200]!r}"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_unchanged(before, database_state(), operation)
