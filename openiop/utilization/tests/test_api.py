"""The authorizations API: use computed from attendance, 422 with field messages, reads audited."""

import datetime

import pytest
from django.utils import timezone

from openiop.accounts.services import token_create
from openiop.audit.models import Action, AuditEvent

from .factories import active_episode, attended, authorization

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_for(client):
    def for_user(user):
        _, raw = token_create(user=user, name="test")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return for_user


def url(world):
    return f"/api/v1/episodes/{active_episode(world.patient_a).uuid}/authorizations"


def test_list_gives_use_and_alerts_and_is_audited(world, api_for):
    today = timezone.localdate()
    authorization(world.patient_a, world.ivan, unit="sessions", authorized="1", ends_on=today)
    attended(world, active_episode(world.patient_a), today - datetime.timedelta(days=1))
    [item] = api_for(world.alice).get(url(world)).json()
    assert item["used"] == "1" and item["percent_used"] == 100
    assert item["alerts"] == ["exhausted", "ending_soon"]
    event = AuditEvent.objects.filter(action=Action.VIEW, patient=world.patient_a).latest("seq")
    assert event.detail["channel"] == "api"


def test_create_refuses_bad_fields_with_422(world, api_for):
    today = timezone.localdate()
    body = {
        "payer": "Synthetic Health Plan",
        "number": "API-2",
        "unit": "days",
        "authorized": "0",
        "starts_on": today.isoformat(),
        "ends_on": (today - datetime.timedelta(days=1)).isoformat(),
    }
    response = api_for(world.dana).post(url(world), body, content_type="application/json")
    assert response.status_code == 422
    text = response.content.decode()
    assert "more than zero" in text and "cannot be before the first day" in text
