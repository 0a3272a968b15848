import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from openiop.accounts.models import PersonalAccessToken, hash_token
from openiop.accounts.services import token_authenticate, token_create, token_revoke
from openiop.audit.models import Action, AuditEvent


def test_created_token_is_stored_only_as_its_hash(world):
    token, raw = token_create(user=world.alice, name="Reports script")
    assert raw.startswith("oiop_") and len(raw) > 40
    assert token.token_hash == hash_token(raw)
    assert token.prefix == raw[:12]
    stored = PersonalAccessToken.objects.values().get(pk=token.pk)
    assert raw not in [str(value) for value in stored.values()]


def test_token_creation_is_audited_without_the_token(world):
    token, raw = token_create(user=world.alice, name="Reports script")
    event = AuditEvent.objects.get(action=Action.TOKEN_CREATED)
    assert event.object_id == str(token.uuid)
    assert raw not in str(event.detail)


def test_token_authenticates_its_user(world):
    _, raw = token_create(user=world.alice, name="x")
    assert token_authenticate(raw) == world.alice


def test_unknown_or_malformed_token_authenticates_no_one(world):
    token_create(user=world.alice, name="x")
    assert token_authenticate("oiop_" + "a" * 43) is None
    assert token_authenticate("not-a-token") is None
    assert token_authenticate("") is None


def test_revoked_token_no_longer_authenticates_and_revocation_is_audited(world):
    token, raw = token_create(user=world.alice, name="x")
    token_revoke(token=token, user=world.alice)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_authenticate(raw) is None
    assert AuditEvent.objects.filter(action=Action.TOKEN_REVOKED, object_id=str(token.uuid)).count() == 1


def test_revoking_twice_changes_nothing(world):
    token, _ = token_create(user=world.alice, name="x")
    token_revoke(token=token, user=world.alice)
    first = PersonalAccessToken.objects.get(pk=token.pk).revoked_at
    token_revoke(token=token, user=world.alice)
    assert PersonalAccessToken.objects.get(pk=token.pk).revoked_at == first
    assert AuditEvent.objects.filter(action=Action.TOKEN_REVOKED).count() == 1


def test_expired_token_no_longer_authenticates(world):
    token, raw = token_create(user=world.alice, name="x", expires_in_days=1)
    assert token.expires_at - timezone.now() > datetime.timedelta(hours=23)
    PersonalAccessToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert token_authenticate(raw) is None


def test_token_of_an_inactive_user_authenticates_no_one(world):
    _, raw = token_create(user=world.alice, name="x")
    world.alice.is_active = False
    world.alice.save()
    assert token_authenticate(raw) is None


def test_last_use_is_recorded_at_most_once_a_minute(world):
    token, raw = token_create(user=world.alice, name="x")
    token_authenticate(raw)
    first = PersonalAccessToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    token_authenticate(raw)
    assert PersonalAccessToken.objects.get(pk=token.pk).last_used_at == first
    PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    token_authenticate(raw)
    assert PersonalAccessToken.objects.get(pk=token.pk).last_used_at > first


def test_issue_token_prints_only_a_working_token(world):
    out = StringIO()
    call_command("issue_token", "alice", "--name", "Nightly export", "--days", "30", stdout=out)
    raw = out.getvalue().strip()
    assert "\n" not in raw and raw.startswith("oiop_")
    assert token_authenticate(raw) == world.alice
    token = PersonalAccessToken.objects.get(token_hash=hash_token(raw))
    assert token.name == "Nightly export"
    assert token.expires_at is not None
    event = AuditEvent.objects.get(action=Action.TOKEN_CREATED)
    assert event.actor is None and event.actor_username == "manage.py issue_token"


def test_issue_token_refuses_an_unknown_user(world):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("issue_token", "nobody", stdout=StringIO())


def test_issue_token_refuses_an_inactive_user(world):
    world.bob.is_active = False
    world.bob.save()
    with pytest.raises(CommandError, match="inactive"):
        call_command("issue_token", "bob", stdout=StringIO())
    assert not PersonalAccessToken.objects.exists()


def test_issue_token_refuses_an_expiry_out_of_range(world):
    with pytest.raises(CommandError, match="between 1 and 365"):
        call_command("issue_token", "alice", "--days", "0", stdout=StringIO())
