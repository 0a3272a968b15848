import uuid

import pytest
from django.urls import reverse

from openiop.accounts.models import PersonalAccessToken
from openiop.accounts.services import token_authenticate, token_create
from openiop.audit.models import Action, AuditEvent

PROFILE = "/profile/"


@pytest.mark.parametrize("persona", ["alice", "paul", "dana", "ivan", "charlie", "audrey", "adam"])
def test_every_staff_member_sees_their_profile(world, client_for, persona):
    user = getattr(world, persona)
    response = client_for(user).get(PROFILE)
    assert response.status_code == 200
    assert user.username in response.text
    assert user.get_role_display() in response.text
    assert reverse("mfa_index") in response.text


def test_profile_shows_programs_credentials_and_mfa_status(world, client_for):
    response = client_for(world.alice).get(PROFILE)
    assert "Adult Mental Health IOP" in response.text
    assert "LCSW" in response.text
    assert "Off" in response.text


def test_profile_url_is_named_for_the_navigation(world):
    assert reverse("accounts:profile") == PROFILE


def test_patient_is_refused_the_profile_page(world, client_for):
    response = client_for(world.pat_a).get(PROFILE)
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action=Action.ACCESS_REFUSED, actor=world.pat_a).exists()


def test_anonymous_visitor_is_sent_to_sign_in(db, client):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_new_token_is_shown_once_then_never_again(world, client_for):
    client = client_for(world.alice)
    response = client.post(reverse("accounts:token_create"), {"name": "Reports", "expires_in_days": "30"})
    assert response.status_code == 302 and response["Location"] == PROFILE
    token = PersonalAccessToken.objects.get(user=world.alice)
    shown = client.get(PROFILE)
    assert "no-store" in shown["Cache-Control"]
    raw = shown.context["new_token"]["raw"]
    assert raw in shown.text
    assert token_authenticate(raw) == world.alice
    assert token.prefix in shown.text
    again = client.get(PROFILE)
    assert raw not in again.text
    assert token.prefix in again.text


def test_token_form_requires_a_name_and_a_sensible_expiry(world, client_for):
    client = client_for(world.alice)
    response = client.post(reverse("accounts:token_create"), {"name": "", "expires_in_days": "400"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"name", "expires_in_days"}
    assert 'class="field-error"' in response.text
    assert not PersonalAccessToken.objects.exists()


def test_token_without_expiry_lasts_until_revoked(world, client_for):
    client_for(world.alice).post(reverse("accounts:token_create"), {"name": "Forever"})
    assert PersonalAccessToken.objects.get(user=world.alice).expires_at is None


def test_staff_member_revokes_their_own_token(world, client_for):
    token, raw = token_create(user=world.alice, name="Old script")
    client = client_for(world.alice)
    response = client.post(reverse("accounts:token_revoke", args=[token.uuid]))
    assert response.status_code == 302
    assert token_authenticate(raw) is None
    assert "Revoked" in client.get(PROFILE).text


def test_revoking_someone_elses_token_is_not_found(world, client_for):
    token, raw = token_create(user=world.bob, name="Bob's script")
    response = client_for(world.alice).post(reverse("accounts:token_revoke", args=[token.uuid]))
    assert response.status_code == 404
    assert token_authenticate(raw) == world.bob


def test_revoking_an_unknown_token_is_not_found(world, client_for):
    response = client_for(world.alice).post(reverse("accounts:token_revoke", args=[uuid.uuid4()]))
    assert response.status_code == 404


def test_revoking_needs_a_post(world, client_for):
    token, raw = token_create(user=world.alice, name="x")
    response = client_for(world.alice).get(reverse("accounts:token_revoke", args=[token.uuid]))
    assert response.status_code == 405
    assert token_authenticate(raw) == world.alice


def test_patient_cannot_create_tokens(world, client_for):
    response = client_for(world.pat_a).post(reverse("accounts:token_create"), {"name": "x"})
    assert response.status_code == 403
    assert not PersonalAccessToken.objects.exists()


def test_profile_lists_only_the_users_own_tokens(world, client_for):
    token_create(user=world.bob, name="Bob's script")
    token_create(user=world.alice, name="Alice's script")
    response = client_for(world.alice).get(PROFILE)
    assert "Alice&#x27;s script" in response.text
    assert "Bob&#x27;s script" not in response.text
