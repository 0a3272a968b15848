"""Idempotency-Key on API and FHIR creates: a retry never creates a second record, concurrent copies create
one, a reused key with another body is refused, and a failed attempt keeps nothing."""

import datetime
import json
import threading
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from openiop.accounts.services import token_create
from openiop.api.idempotency import fingerprint
from openiop.api.models import IdempotencyRecord, IdempotencyState
from openiop.audit.models import Action, AuditEvent
from openiop.intake.models import Referral

from .test_intake_referrals import REFERRALS, new_referral


def send(client, body, key, url=REFERRALS):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def ivan(world, api_client):
    return api_client(world.ivan)


def test_a_retry_gets_the_first_answer_and_creates_nothing_more(world, ivan):
    first = send(ivan, new_referral(world), "key-1")
    again = send(ivan, new_referral(world), "key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Referral.objects.count() == 1
    assert AuditEvent.objects.filter(detail__idempotent_replay=True, actor=world.ivan).count() == 1


def test_another_key_creates_another_record(world, ivan):
    send(ivan, new_referral(world), "key-1")
    send(ivan, new_referral(world), "key-2")
    assert Referral.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(world, ivan):
    send(ivan, new_referral(world), "key-1")
    response = send(ivan, new_referral(world, given_name="Someone"), "key-1")
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert "different request" in response.json()["detail"]
    assert Referral.objects.count() == 1


def test_a_failed_attempt_keeps_nothing_so_the_fixed_request_goes_through(world, ivan):
    refused = send(ivan, new_referral(world, given_name=""), "key-1")
    assert refused.status_code == 422 and not IdempotencyRecord.objects.exists()
    assert send(ivan, new_referral(world, given_name=""), "key-1").status_code == 422
    assert send(ivan, new_referral(world), "key-1").status_code == 201


def test_keys_belong_to_their_caller(world, api_client, ivan):
    send(ivan, new_referral(world), "shared")
    other = Client()
    _, raw = token_create(user=world.dana, name="other")
    other.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    response = send(other, new_referral(world), "shared")
    assert response.status_code == 201 and not response.has_header("Idempotent-Replayed")
    assert Referral.objects.count() == 2


def scope_of(client, world) -> str:
    """This caller's idempotency scope, learnt from a first keyed request."""
    send(client, new_referral(world), "probe")
    return IdempotencyRecord.objects.get(key="probe").scope


def test_a_copy_arriving_while_the_first_runs_is_told_to_retry(world, ivan):
    body = json.dumps(new_referral(world)).encode()
    same_request = SimpleNamespace(method="POST", path=REFERRALS, META={}, body=body)
    IdempotencyRecord.objects.create(
        scope=scope_of(ivan, world),
        key="key-1",
        fingerprint=fingerprint(same_request),
        created_at=timezone.now(),
    )
    response = send(ivan, new_referral(world), "key-1")
    assert response.status_code == 409 and response["Retry-After"] == "1"
    assert Referral.objects.count() == 1  # only the probe


def test_a_body_too_large_to_fingerprint_is_refused_with_413(world, ivan, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = send(ivan, new_referral(world), "key-1")
    assert response.status_code == 413 and not Referral.objects.exists()


def test_a_request_that_died_frees_its_key_after_a_while(world, ivan):
    IdempotencyRecord.objects.create(
        scope=scope_of(ivan, world),
        key="key-1",
        fingerprint="0" * 64,
        state=IdempotencyState.PROCESSING,
        created_at=timezone.now() - datetime.timedelta(minutes=6),
    )
    assert send(ivan, new_referral(world), "key-1").status_code == 201


class Killed(BaseException):
    """The process dying: not an Exception, so no handler turns it into a response."""


def test_a_request_killed_before_its_answer_is_kept_writes_nothing(world, ivan, monkeypatch):
    # Between the view's write and the keeping of its answer: had the write committed on its own, the retry
    # below (its key freed as abandoned) would create a second referral.
    def die(*args):
        raise Killed

    monkeypatch.setattr("openiop.api.idempotency._keep", die)
    with pytest.raises(Killed):
        send(ivan, new_referral(world), "key-1")
    assert not Referral.objects.exists() and not IdempotencyRecord.objects.exists()
    monkeypatch.undo()
    assert send(ivan, new_referral(world), "key-1").status_code == 201
    assert Referral.objects.count() == 1


def test_a_refused_request_keeps_its_audit_event_but_not_the_key(world, api_client):
    # The view's transaction commits whatever it answers: only the kept key depends on a 2xx.
    refused = send(api_client(world.alice), new_referral(world), "key-1")
    assert refused.status_code == 403 and not IdempotencyRecord.objects.exists()
    assert AuditEvent.objects.filter(actor=world.alice, action=Action.ACCESS_REFUSED).count() == 1


def test_kept_answers_expire_after_a_day(world, ivan):
    send(ivan, new_referral(world), "key-1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert send(ivan, new_referral(world), "key-1").status_code == 201
    assert Referral.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\tkey"])
def test_a_malformed_key_is_refused(world, ivan, key):
    response = send(ivan, new_referral(world), key)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert not Referral.objects.exists()


def test_fhir_routes_answer_with_an_operation_outcome(world, ivan):
    response = ivan.post(
        "/fhir/r4/Bundle", "{}", content_type="application/fhir+json", HTTP_IDEMPOTENCY_KEY="x" * 300
    )
    assert response.status_code == 400
    assert json.loads(response.content)["resourceType"] == "OperationOutcome"


def test_without_a_key_nothing_is_kept(world, ivan):
    ivan.post(REFERRALS, json.dumps(new_referral(world)), content_type="application/json")
    assert not IdempotencyRecord.objects.exists()


def test_an_unauthenticated_request_keeps_nothing(world, client):
    assert send(client, new_referral(world), "key-1").status_code == 401
    assert not IdempotencyRecord.objects.exists()


COPIES = 24


@pytest.mark.django_db(transaction=True)
def test_concurrent_copies_create_one_record(world):
    _, raw = token_create(user=world.ivan, name="concurrent")
    body = new_referral(world)
    start = threading.Barrier(COPIES)
    statuses, errors = [], []

    def post():
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
            start.wait()
            statuses.append(send(client, body, "same-key").status_code)
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(statuses) == COPIES and set(statuses) <= {201, 409} and 201 in statuses
    assert Referral.objects.count() == 1
    assert IdempotencyRecord.objects.get(key="same-key").state == IdempotencyState.DONE
