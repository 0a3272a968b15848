"""Schemathesis against /api/v1/openapi.json as each role (issue 11): no 5xx, responses match the schema.

Every operation is called as a persona of each role (a clinician on the care team, a psychiatrist, a
program director, an intake coordinator, an auditor, an administrator, a patient) holding a personal access
token in `Authorization: Bearer`, the way a script authenticates, and as a caller without one. Requests go
in-process through the Django WSGI application, with every middleware, inside the test's transaction.

Realistic ids: before an operation is fuzzed, the API role walk's URL builder for it makes the object it
acts on (walk.py), so generated path ids are that object or the world's other patients, episodes and
programs, and UUIDs in generated bodies and queries are swapped for real ones half of the time; calls reach
the services instead of stopping at 404. A role the walk allows also makes the walk's own call (its valid
body) first. Each operation runs in a savepoint per role, so roles never see each other's writes.

Checks: no 5xx, the status documented, the Content-Type documented, the body valid against the schema.
Generation is positive and negative (invalid values), derandomized, without an example database or
shrinking: the same run each time, and a failure replays as reported. Example counts keep the file within
about three minutes on a busy two-core machine.
"""

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from openiop.accounts.services import token_create

from .test_role_walk import OPERATIONS

PREFIX = "/api/v1"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Role -> the walk's persona of it; None calls without a token.
PERSONAS = {
    "clinician": "alice",
    "psychiatrist": "paul",
    "program_director": "dana",
    "intake_coordinator": "ivan",
    "auditor": "audrey",
    "administrator": "adam",
    "patient": "pat_a",
    "anonymous": None,
}
# Generated examples per operation and role. Where the walk refuses the role, ninja still validates the
# input before the policy runs, so one example covers that path; the rest of the time goes where the
# services run. The walk's explicit call comes on top for allowed roles.
ALLOWED_EXAMPLES = 3
REFUSED_EXAMPLES = 1
# The pocket PDF renders a page each call (about a second): the walk's call and one generated one suffice.
FEWER_EXAMPLES = {"GET /safety/plans/{plan_uuid}/pdf": 1}
# The API's operations by tag (router); a test below keeps this list equal to the document's tags.
TAGS = [
    "coordination",
    "discharge",
    "intake",
    "me",
    "measures",
    "notes",
    "patients",
    "referrals",
    "safety",
    "scheduling",
    "skills",
    "treatment",
    "utilization",
]

UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


@pytest.fixture(scope="module")
def api_schema():
    """The OpenAPI document as a client reads it, from the Django WSGI application called in-process.

    Django's handler closes "old" database connections when a request starts and finishes; inside a
    test's transaction that would end it. Django's own test client disconnects the same receiver.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(f"{PREFIX}/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _template_regex(path: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$")


def _build(key, world):
    """Run the walk's URL builder of `key`: the object it acts on; return its path parameters and query."""
    path = key.split(" ", 1)[1]
    address, _, query = OPERATIONS[key].url(world).partition("?")
    match = _template_regex(PREFIX + path).match(address)
    assert match, f"{key}: the walk's URL {address} does not fit the template"
    return match.groupdict(), dict(pair.split("=", 1) for pair in query.split("&")) if query else {}


def _world_pools(world):
    """Alternatives for the shared path parameters, and the UUIDs a generated body or query may name."""
    patients = (world.patient_a, world.patient_b, world.patient_c)  # in, beside and outside alice's reach
    pools = {
        "patient_uuid": [str(patient.uuid) for patient in patients],
        "episode_uuid": [str(episode.uuid) for patient in patients for episode in patient.episodes.all()],
        "program_uuid": [str(world.program_a.uuid), str(world.program_b.uuid)],
    }
    staff = [getattr(world, name) for name in ("alice", "bob", "paul", "dana", "ivan", "charlie")]
    uuids = [value for values in pools.values() for value in values]
    return pools, uuids + [str(world.track_a.uuid)] + [str(user.uuid) for user in staff]


def _with_real_uuids(value, draw, uuids):
    """`value` with each UUID string replaced by one the database knows, or kept (unknown: a 404 or 422)."""
    if isinstance(value, dict):
        return {key: _with_real_uuids(item, draw, uuids) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_real_uuids(item, draw, uuids) for item in value]
    if isinstance(value, str) and UUID_TEXT.match(value):
        return draw(st.one_of(st.sampled_from(uuids), st.just(value)))
    return value


def _strategy(operation, path_choices, uuids):
    """Cases of `operation`: valid ones with path ids from `path_choices` and real UUIDs in query and body,
    and (as often) invalid query or body values on the first path choice (the walk's object)."""
    own = path_choices[0] if path_choices else None
    valid = st.one_of([operation.as_strategy(path_parameters=choice) for choice in path_choices or [None]])
    strategy = valid
    if len(operation.body) or operation.query:
        invalid = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, path_parameters=own)
        strategy = st.one_of(valid, invalid)

    @st.composite
    def cases(draw):
        case = draw(strategy)
        if isinstance(case.body, dict | list):
            case.body = _with_real_uuids(case.body, draw, uuids)
        if case.query:
            case.query = _with_real_uuids(case.query, draw, uuids)
        return case

    return cases()


def _path_choices(operation, own, pools):
    """The walk's own path parameters first, then each shared parameter swapped for another real object."""
    if not operation.path_parameters:
        return []
    choices = [own]
    for name in own:
        for value in pools.get(name, []):
            choice = {**own, name: value}
            if choice not in choices:
                choices.append(choice)
    return choices


def _check(operation, headers, examples, explicit_case, strategy):
    """The explicit call (if any), then `examples` generated ones; return failure reports and calls made."""
    failures, calls = [], [0]
    if explicit_case is not None:
        calls[0] += 1
        try:
            explicit_case.call_and_validate(headers=headers, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # reported with the others
            failures.append(f"walk's call: {type(exc).__name__}: {exc}")

    @hypothesis_settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],  # no shrinking: bounded time; derandomized, a failure replays as is
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def generated(case):
        calls[0] += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        generated()
    except (Exception, BaseExceptionGroup) as exc:
        failures.append(f"generated: {type(exc).__name__}: {exc}")
    return failures, calls[0]


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.OPENIOP_PLANNING_TIME_LIMIT = 1
    # django-zeal turns an N+1 into an exception, hence a 500 here; production has no zeal, and the role
    # walk runs the same operations with it raising. Here a 5xx must be one a real client could get.
    settings.ZEAL_RAISE = False


def test_every_tag_of_the_document_is_fuzzed(api_schema):
    tags = {tag for result in api_schema.get_all_operations() for tag in result.ok().tags or ()}
    assert tags == set(TAGS)


@pytest.mark.parametrize("tag", TAGS)
def test_operations_conform_to_the_schema_as_each_role(tag, world, api_schema):
    headers = {role: {} for role in PERSONAS}
    for role, persona in PERSONAS.items():
        if persona:
            _, raw = token_create(user=getattr(world, persona), name="schemathesis")
            headers[role] = {"Authorization": f"Bearer {raw}"}
    pools, uuids = _world_pools(world)
    failures, calls, pairs = [], 0, 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if tag not in (operation.tags or ()):
            continue
        key = f"{operation.method.upper()} {operation.path.removeprefix(PREFIX)}"
        walk = OPERATIONS[key]
        # The walk's builder makes the object the operation acts on, in a savepoint: builders of different
        # operations may not fit in one world (one draft treatment plan per episode).
        with transaction.atomic():
            own, query = _build(key, world)
            # The walk posts `{}` to operations without a body; a real client sends none.
            body = walk.body(world) if walk.body is not None and len(operation.body) else NOT_SET
            strategy = _strategy(operation, _path_choices(operation, own, pools), uuids + list(own.values()))
            for role, persona in PERSONAS.items():
                allowed = persona is not None and walk.expected[persona] < 400
                explicit = None
                if allowed:
                    explicit = operation.Case(path_parameters=own, query=query, body=body)
                    if body is not NOT_SET:
                        explicit.media_type = "application/json"
                examples = ALLOWED_EXAMPLES if allowed else REFUSED_EXAMPLES
                examples = min(examples, FEWER_EXAMPLES.get(key, examples))
                with transaction.atomic():
                    found, made = _check(operation, headers[role], examples, explicit, strategy)
                    transaction.set_rollback(True)
                calls, pairs = calls + made, pairs + 1
                failures += [f"{key} as {role}, {report}" for report in found]
            transaction.set_rollback(True)
    print(f"{tag}: {pairs} operation-role pairs, {calls} calls")
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
