"""Liveness and readiness: what a load balancer sees, and that a failure names no secret."""

import json

import pytest
from django.db.utils import OperationalError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from openiop.audit.models import AuditEvent
from openiop.core import health


@pytest.fixture(autouse=True)
def _migrations_not_yet_seen(monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)


def test_liveness_answers_ok_in_plain_text_without_touching_the_database(client):
    # No `db` fixture: pytest-django fails any database access, so a query here would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_liveness_resolves_to_the_health_view():
    assert reverse("health:healthz") == "/healthz"
    assert reverse("health:readyz") == "/readyz"


def test_readiness_reports_each_check_ok(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "migrations": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.count() == 0


def test_readiness_is_public_even_with_staff_mfa_required_for_an_anonymous_probe(client, db, settings):
    settings.OPENIOP_REQUIRE_STAFF_MFA = True
    assert client.get("/readyz").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_probes_are_not_redirected_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_readiness_names_a_failing_database_and_not_its_connection_string(client, db, monkeypatch):
    secret = "postgres://openiop:hunter2@db.internal:5432/openiop"

    def broken():
        raise OperationalError(f"connection to server at {secret} failed: password authentication failed")

    monkeypatch.setitem(health.READINESS_CHECKS, "database", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["database"]}
    assert "hunter2" not in response.content.decode() and "db.internal" not in response.content.decode()


def test_readiness_fails_when_a_migration_is_not_applied(client, db, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("pending", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["migrations"]


def test_readiness_fails_when_the_cache_does_not_answer(client, db, monkeypatch):
    from django.core.cache import cache

    def refuse(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis://:s3cret@cache.internal:6379/0")

    monkeypatch.setattr(cache, "set", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]
    assert "s3cret" not in response.content.decode()


def test_a_failing_check_is_logged_by_class_not_message(caplog):
    def broken():
        raise OperationalError("password=hunter2")

    ready, body = health.run_checks({"database": broken})
    assert not ready and body["failing"] == ["database"]
    assert "OperationalError" in caplog.text and "hunter2" not in caplog.text


def test_readiness_only_answers_get_and_head(client, db):
    assert client.post("/readyz").status_code == 405
    assert client.head("/readyz").status_code == 200


names = st.lists(st.text(alphabet="abcdefghij_", min_size=1, max_size=8), unique=True, max_size=6)


@given(names=names, data=st.data())
def test_run_checks_is_ready_exactly_when_no_check_fails(names, data):
    failing = {name for name in names if data.draw(st.booleans(), label=name)}

    def check_for(name):
        def check():
            if name in failing:
                raise RuntimeError("down")

        return check

    ready, body = health.run_checks({name: check_for(name) for name in names})
    assert ready == (not failing)
    if ready:
        assert body == dict.fromkeys(names, "ok")
    else:
        assert body["failing"] == [name for name in names if name in failing]
    json.dumps(body)
