"""Ending an external care-team membership: kept as history with its date and reason, shown apart,
never deleted; the provider may be added again later. Page and API."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from openiop.accounts.services import token_create
from openiop.audit.models import Action, AuditEvent
from openiop.coordination import services
from openiop.coordination.models import ExternalCareTeamMember
from openiop.coordination.selectors import external_team_history, external_team_of

from .factories import member, therapist

pytestmark = pytest.mark.django_db


def test_an_ended_membership_moves_to_the_history_and_the_provider_may_return(world):
    provider = therapist()
    current = member(world.patient_a, provider, world.alice)
    before = AuditEvent.objects.count()
    services.external_member_end(member=current, reason="Moved out of state", by=world.alice)
    current.refresh_from_db()
    assert current.ended_on == timezone.localdate() and current.end_reason == "Moved out of state"
    assert AuditEvent.objects.count() == before + 1
    assert AuditEvent.objects.order_by("-seq").first().detail["change"] == "ended"
    assert list(external_team_of(world.patient_a)) == []
    assert list(external_team_history(world.patient_a)) == [current]
    again = member(world.patient_a, provider, world.alice)
    assert list(external_team_of(world.patient_a)) == [again]
    assert ExternalCareTeamMember.objects.count() == 2


def test_ending_needs_a_reason_a_past_date_and_happens_once(world):
    current = member(world.patient_a, therapist(), world.alice)
    with pytest.raises(ValidationError) as caught:
        services.external_member_end(
            member=current,
            reason=" ",
            ended_on=timezone.localdate() + datetime.timedelta(days=1),
            by=world.alice,
        )
    assert set(caught.value.message_dict) == {"reason", "ended_on"}
    with pytest.raises(ValidationError) as caught:
        services.external_member_end(
            member=current, reason="x", ended_on=datetime.date(2000, 1, 1), by=world.alice
        )
    assert "ended_on" in caught.value.message_dict
    services.external_member_end(member=current, reason="Care transferred", by=world.alice)
    with pytest.raises(ValidationError, match="already ended"):
        services.external_member_end(member=current, reason="Again", by=world.alice)


def test_the_page_ends_a_membership_and_the_home_shows_it_as_history(world, client_for):
    current = member(world.patient_a, therapist(), world.alice)
    client = client_for(world.ivan)
    url = reverse("coordination:external_member_end", args=[current.uuid])
    assert client.post(url, {"reason": ""}).status_code == 200
    response = client.post(url, {"reason": "Care transferred to a new therapist"})
    assert response.status_code == 302
    home = client.get(reverse("coordination:patient_home", args=[world.patient_a.uuid]))
    assert b"Former external care team" in home.content
    assert b"Care transferred to a new therapist" in home.content
    assert client.get(url).status_code == 302  # already ended: back to the home page


def test_outside_the_care_team_ending_is_refused(world, client_for):
    current = member(world.patient_a, therapist(), world.alice)
    url = reverse("coordination:external_member_end", args=[current.uuid])
    assert client_for(world.charlie).post(url, {"reason": "x"}).status_code == 403
    current.refresh_from_db()
    assert current.ended_on is None


def test_the_api_ends_a_membership_then_answers_409(world, client):
    current = member(world.patient_a, therapist(), world.alice)
    _, raw = token_create(user=world.alice, name="test")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    url = f"/api/v1/external-team/{current.uuid}/end"
    bad = client.post(url, {"reason": ""}, content_type="application/json")
    assert bad.status_code == 422
    response = client.post(url, {"reason": "Moved"}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ended_on"] == timezone.localdate().isoformat() and body["end_reason"] == "Moved"
    assert body["provider"]["uuid"] == str(current.provider.uuid)
    again = client.post(url, {"reason": "Moved"}, content_type="application/json")
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(current.uuid)).count() == 1
